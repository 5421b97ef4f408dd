// Links, addresses and routes on the host's side of CNI (Go's pkg/ip): the veth pair, links on
// a parent, deleting links, routes, IP forwarding, masquerading and the MAC spoof check, the
// checks CHECK runs against the kernel, and STATUS's readiness of the links ADD needs.
export { hostVethName, setupVeth, VethPair } from "./veth";
export { delLinkIgnoringGone, delContainerLink } from "./link";
export { defaultRouteLink, lookupParent, createLink, findParent, Parent } from "./parent-link";
export { routeVia, addRoute, describeRoute } from "./route";
export { enableForwarding } from "./forwarding";
export { setupIPMasq, setupSpoofCheck, teardownFirewall, gcFirewall, checkFirewall } from "./masq";
export { findInterface, checkLink, checkIfaceConfig } from "./check";
export { parentReady, linkReady } from "./readiness";
