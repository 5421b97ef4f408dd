// Messages of bridge, as std/assembly/util/error.ts keeps its messages; Go's wording where
// the Go plugin has one. Config messages are the predicate of `field "<key>" ...`.

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
@lazy @inline export const E_PORT_VLANS = "failed to setup vlan tag on interface ";
// @ts-ignore: decorator
@lazy @inline export const E_DEFAULT_VLAN = "failed to remove default vlan on interface ";
// @ts-ignore: decorator
@lazy @inline export const E_MASQ_BACKEND = "must be \"iptables\" or \"nftables\"";
// @ts-ignore: decorator
@lazy @inline export const E_NO_HOST_VETH_MAC = "macspoofchk: no host veth in prevResult for ";
// @ts-ignore: decorator
@lazy @inline export const E_ADD_BRIDGE = "could not add ";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_BRIDGE = " already exists but is not a bridge";
// @ts-ignore: decorator
@lazy @inline export const E_OTHER_ADDR = " already has an IP address different from ";
// @ts-ignore: decorator
@lazy @inline export const E_BRIDGE_ADDR = "failed to set bridge addr: ";
// @ts-ignore: decorator
@lazy @inline export const E_PROMISC = " promiscuous mode doesn't match the config";
// @ts-ignore: decorator
@lazy @inline export const E_NO_BRIDGE = "CNI created bridge in host namespace was not found: ";
// @ts-ignore: decorator
@lazy @inline export const E_NO_CONTAINER_IF = "Sandbox in prevResult doesn't match configured netns for ";
// @ts-ignore: decorator
@lazy @inline export const E_NO_HOST_VETH = "CNI veth created for bridge was not found: ";
// @ts-ignore: decorator
@lazy @inline export const E_PORT_FLAGS = "failed to set bridge port flags of ";
// @ts-ignore: decorator
@lazy @inline export const E_SET_UP = "failed to set up ";
// @ts-ignore: decorator
@lazy @inline export const E_READ_PORT_VLANS = "failed to read the vlans of ";
// @ts-ignore: decorator
@lazy @inline export const E_VLAN_MISSING = " does not carry the config's ";
// @ts-ignore: decorator
@lazy @inline export const E_VLAN_FLAGS = " carries ";
// @ts-ignore: decorator
@lazy @inline export const E_VLAN_EXTRA = " carries a vlan the config does not name: ";
// @ts-ignore: decorator
@lazy @inline export const E_VLAN_IFACE = "failed to create vlan interface: ";
// @ts-ignore: decorator
@lazy @inline export const E_VLAN_ADDR = "failed to set vlan interface for bridge with addr: ";
