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
@lazy @inline export const E_VLAN = "is not supported yet: the host has no bridge VLAN functions (README)";
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
