// What a controller (world controller: reconcile a node to the cluster view) shares: its
// options read as a config, the view's nodes and subnets parsed, set differences for "add what
// is missing, remove what is stale", and the managed routes of the main table kept in sync.
export { ControllerOptions, parseOptions } from "./options";
export { PeerNode, NodeView, subnetAddress, readView, warnLeftOut } from "./view";
export { difference } from "./sets";
export { routeKey, syncRoutes } from "./routes";
