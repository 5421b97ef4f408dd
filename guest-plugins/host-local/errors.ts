// host-local's config messages, each the predicate of `field "<path>" ...`. Allocation errors
// carry values and are written whole where they are raised, in the Go plugin's wording.
// @ts-ignore: decorator
@lazy @inline export const E_NO_RANGES = "is required: no IP ranges specified (give \"ranges\" or \"subnet\")";
// @ts-ignore: decorator
@lazy @inline export const E_DATA_DIR = "must be an absolute path without \".\" or \"..\" parts";
// @ts-ignore: decorator
@lazy @inline export const E_REQUESTED = "must be an IP address such as \"10.1.0.5\" or \"10.1.0.5/24\"";
// @ts-ignore: decorator
@lazy @inline export const E_RESOLV_CONF_PATH = "must be an absolute path";
