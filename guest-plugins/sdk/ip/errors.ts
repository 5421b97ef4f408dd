// Messages of the ip folder, as std/assembly/util/error.ts keeps its messages. They follow
// host-local's wording, so that operators see the errors they know from the Go plugin.

// @ts-ignore: decorator
@lazy @inline export const E_NETWORK = "Network ";
// @ts-ignore: decorator
@lazy @inline export const E_TOO_SMALL = " too small to allocate from";
// @ts-ignore: decorator
@lazy @inline export const E_HOST_BITS = "Network has host bits set. For a subnet mask of length ";
// @ts-ignore: decorator
@lazy @inline export const E_HOST_BITS_ADDR = " the network address is ";
// @ts-ignore: decorator
@lazy @inline export const E_RANGE_START = "RangeStart ";
// @ts-ignore: decorator
@lazy @inline export const E_RANGE_END = "RangeEnd ";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_IN_NETWORK = " not in network ";
// @ts-ignore: decorator
@lazy @inline export const E_AFTER_END = " is after RangeEnd ";
// @ts-ignore: decorator
@lazy @inline export const E_GATEWAY_FAMILY = "Gateway is not of the subnet's address family: ";
