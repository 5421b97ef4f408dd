// Messages of host-local, as std/assembly/util/error.ts keeps its messages. Allocation errors
// keep the Go plugin's wording, so that operators and scripts see what they know.

// @ts-ignore: decorator
@lazy @inline export const E_NO_ADDRESSES = "no IP addresses available in range set: ";
// @ts-ignore: decorator
@lazy @inline export const E_ALLOCATE_FOR_RANGE = "failed to allocate for range ";
// @ts-ignore: decorator
@lazy @inline export const E_DUPLICATE = " has been allocated to ";
// @ts-ignore: decorator
@lazy @inline export const E_DUPLICATE_END = ", duplicate allocation is not allowed";
// @ts-ignore: decorator
@lazy @inline export const E_REQUESTED_GATEWAY = " is subnet's gateway";
// @ts-ignore: decorator
@lazy @inline export const E_REQUESTED_IP = "requested IP address ";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_AVAILABLE = " is not available in range set ";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_IN_RANGE_SET = " not in range set ";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_ALL_REQUESTED = "failed to allocate all requested IPs:";
// @ts-ignore: decorator
@lazy @inline export const E_NOT_FOUND = "host-local: Failed to find address added by container ";
// @ts-ignore: decorator
@lazy @inline export const E_IN_RANGE_SET = " in range set ";
// @ts-ignore: decorator
@lazy @inline export const E_STORE = "host-local: IPAM store ";
// @ts-ignore: decorator
@lazy @inline export const E_STORE_NOT_WRITABLE = "host-local: IPAM store is not writable: ";

// Config problems, the predicates of `field "<path>" ...`.
// @ts-ignore: decorator
@lazy @inline export const E_NO_RANGES = "is required: no IP ranges specified (give \"ranges\" or \"subnet\")";
// @ts-ignore: decorator
@lazy @inline export const E_DATA_DIR = "must be an absolute path without \".\" or \"..\" parts";
// @ts-ignore: decorator
@lazy @inline export const E_REQUESTED = "must be an IP address such as \"10.1.0.5\" or \"10.1.0.5/24\"";
// @ts-ignore: decorator
@lazy @inline export const E_CNI_ARGS_IP = "CNI_ARGS: IP must be an IP address such as \"10.1.0.5\", got ";
// @ts-ignore: decorator
@lazy @inline export const E_RESOLV_CONF_PATH = "must be an absolute path";
// @ts-ignore: decorator
@lazy @inline export const E_RESOLV_CONF = "failed to read resolvConf";
