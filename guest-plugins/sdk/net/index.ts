export { describeHostError, hostErrorToCni, isGone } from "./host-error";
export { hostVethName, setupVeth, VethPair } from "./veth";
export { ipsOf, configureIface, addIfaceAddrs, addIfaceRoutes, routeVia, addRoute, describeRoute } from "./configure";
export { enableForwarding } from "./forwarding";
export { ipamAdd, ipamDel, ipamCheck } from "./ipam-delegate";
export { containerNetns, hostNetns, delLinkIgnoringGone, delContainerLink, undoAdd } from "./teardown";
export { findInterface, checkLink, checkIfaceConfig } from "./check";
