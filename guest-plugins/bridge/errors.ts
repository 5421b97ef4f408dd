// bridge's config messages, each the predicate of `field "<key>" ...` (Go's wording where the
// Go plugin has one). Messages that carry values are written whole where they are raised.

// @ts-ignore: decorator
@lazy @inline export const DEFAULT_BRIDGE = "cni0";
// @ts-ignore: decorator
@lazy @inline export const E_NAME = "must be an interface name of 1 to 15 bytes";
// @ts-ignore: decorator
@lazy @inline export const E_MAC = "must be a MAC address such as \"0a:58:0a:01:00:02\"";
// @ts-ignore: decorator
@lazy @inline export const E_HAIRPIN_PROMISC = "cannot be set together with promiscMode";
// @ts-ignore: decorator
@lazy @inline export const E_NO_IPAM_WITH = "cannot be set when IPAM is used (ipam.type)";
// @ts-ignore: decorator
@lazy @inline export const E_VLAN_ID = "must be a VLAN ID between 0 and 4094";
// @ts-ignore: decorator
@lazy @inline export const E_VLAN_GATEWAY = "with isGateway needs the gateway interface name <bridge>.<vlan> to be at most 15 bytes";
// @ts-ignore: decorator
@lazy @inline export const E_TRUNK_ID = "incorrect trunk id parameter (must be 1 to 4094)";
// @ts-ignore: decorator
@lazy @inline export const E_TRUNK_MIN = "incorrect trunk minID parameter (must be 1 to 4094)";
// @ts-ignore: decorator
@lazy @inline export const E_TRUNK_MAX = "incorrect trunk maxID parameter (must be 1 to 4094)";
// @ts-ignore: decorator
@lazy @inline export const E_TRUNK_ORDER = "is greater than maxID in trunk parameter";
// @ts-ignore: decorator
@lazy @inline export const E_TRUNK_NO_MIN = "is missing: minID and maxID should be configured simultaneously";
// @ts-ignore: decorator
@lazy @inline export const E_TRUNK_NO_MAX = "is missing: minID and maxID should be configured simultaneously";
// @ts-ignore: decorator
@lazy @inline export const E_MASQ_BACKEND = "must be \"iptables\" or \"nftables\"";
