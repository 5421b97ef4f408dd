// Messages of the net folder, as std/assembly/util/error.ts keeps its messages. They keep the
// wording of containernetworking/plugins' pkg/ip and pkg/ipam, so operators see what they know.

// @ts-ignore: decorator
@lazy @inline export const E_VETH_EXISTS = "container veth name or host veth name already exists: ";
// @ts-ignore: decorator
@lazy @inline export const E_MAKE_VETH = "failed to make veth pair ";
// @ts-ignore: decorator
@lazy @inline export const E_SET_UP = "failed to set up ";
// @ts-ignore: decorator
@lazy @inline export const E_CONNECT = "failed to connect ";
// @ts-ignore: decorator
@lazy @inline export const E_TO_BRIDGE = " to bridge ";
// @ts-ignore: decorator
@lazy @inline export const E_ADD_ADDR = "failed to add IP addr ";
// @ts-ignore: decorator
@lazy @inline export const E_ADD_ROUTE = "failed to add route ";
// @ts-ignore: decorator
@lazy @inline export const E_DEL_ROUTE = "failed to delete route ";
// @ts-ignore: decorator
@lazy @inline export const E_DELETE_LINK = "failed to delete ";
// @ts-ignore: decorator
@lazy @inline export const E_FORWARDING = "could not enable IP forwarding: ";
// @ts-ignore: decorator
@lazy @inline export const E_NO_IPS = "IPAM plugin returned missing IP config";
// @ts-ignore: decorator
@lazy @inline export const E_IPAM_RESULT = "IPAM plugin returned an invalid result: ";
// @ts-ignore: decorator
@lazy @inline export const E_ROUTE_SCOPE = "route scope must be 0, 200, 253 or 254: ";
// @ts-ignore: decorator
@lazy @inline export const E_OPEN_NETNS = "failed to open netns";
// @ts-ignore: decorator
@lazy @inline export const E_NO_IFACE = "interface not found in prevResult: ";
// @ts-ignore: decorator
@lazy @inline export const E_LINK_MISSING = "interface not found: ";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_KIND = " is not of type ";
// @ts-ignore: decorator
@lazy @inline export const E_MAC_MISMATCH = " MAC doesn't match: ";
// @ts-ignore: decorator
@lazy @inline export const E_ADDR_MISSING = "failed to match addr ";
// @ts-ignore: decorator
@lazy @inline export const E_ROUTE_MISSING = "expected route not found in routing table: ";
// @ts-ignore: decorator
@lazy @inline export const E_ON = " on ";
// @ts-ignore: decorator
@lazy @inline export const E_TO = " to ";
// @ts-ignore: decorator
@lazy @inline export const E_ENABLE_IPV6 = "failed to enable IPv6 for ";
// @ts-ignore: decorator
@lazy @inline export const E_KEEP_ADDR = "failed to enable keep_addr_on_down for ";
// @ts-ignore: decorator
@lazy @inline export const E_LIST_ROUTES = "failed to list routes";
// @ts-ignore: decorator
@lazy @inline export const E_VIA = " via ";
// @ts-ignore: decorator
@lazy @inline export const E_CREATE = "failed to create ";
// @ts-ignore: decorator
@lazy @inline export const E_LOOKUP_MASTER = "failed to lookup master ";
// @ts-ignore: decorator
@lazy @inline export const E_INVALID_MTU = "invalid MTU ";
// @ts-ignore: decorator
@lazy @inline export const E_MTU_RANGE = ", must be [0, master MTU(";
// @ts-ignore: decorator
@lazy @inline export const E_NO_DEFAULT_ROUTE = "no default route interface found";
// @ts-ignore: decorator
@lazy @inline export const E_SANDBOX = "sandbox in prevResult doesn't match configured netns: ";
// @ts-ignore: decorator
@lazy @inline export const E_IPAM_NOT_AVAILABLE = "IPAM plugin not available: ";
// @ts-ignore: decorator
@lazy @inline export const E_MASTER_GONE = "master is gone, and with it every link made on it: ";
// @ts-ignore: decorator
@lazy @inline export const E_NO_MASTER = "no master: ";
// @ts-ignore: decorator
@lazy @inline export const E_LOOKUP_LINK = "failed to look up link ";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_A = " exists but is not a ";
// @ts-ignore: decorator
@lazy @inline export const E_SETTLE = "failed to settle addresses for \"";
