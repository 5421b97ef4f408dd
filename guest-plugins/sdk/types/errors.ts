// CNI error codes (SPEC.md "Error"; the same names as host/cni/errors.ts) and the constant
// messages of the types folder, as std/assembly/util/error.ts keeps its messages.

/** The spec's error codes (SPEC.md "Error"); a plugin's own start at FIRST_PLUGIN_ERROR_CODE. */
export namespace CniErrorCode {
  /** Incompatible CNI version. */
  // @ts-ignore: decorator
  @lazy @inline export const INCOMPATIBLE_VERSION: u32 = 1;
  /** Unsupported field in the network configuration. */
  // @ts-ignore: decorator
  @lazy @inline export const UNSUPPORTED_FIELD: u32 = 2;
  /** Container unknown or does not exist. */
  // @ts-ignore: decorator
  @lazy @inline export const UNKNOWN_CONTAINER: u32 = 3;
  /** Invalid necessary environment variables (CNI_ARGS too). */
  // @ts-ignore: decorator
  @lazy @inline export const INVALID_ENV: u32 = 4;
  /** I/O failure. */
  // @ts-ignore: decorator
  @lazy @inline export const IO_FAILURE: u32 = 5;
  /** Failed to decode content (broken JSON). */
  // @ts-ignore: decorator
  @lazy @inline export const DECODE_FAILURE: u32 = 6;
  /** Invalid network config. */
  // @ts-ignore: decorator
  @lazy @inline export const INVALID_NETWORK_CONFIG: u32 = 7;
  /** Try again later. */
  // @ts-ignore: decorator
  @lazy @inline export const TRY_AGAIN_LATER: u32 = 11;
  /** STATUS: the plugin cannot service ADD. */
  // @ts-ignore: decorator
  @lazy @inline export const PLUGIN_NOT_AVAILABLE: u32 = 50;
  /** STATUS: the plugin cannot service ADD, and attached containers may have lost connectivity. */
  // @ts-ignore: decorator
  @lazy @inline export const LIMITED_CONNECTIVITY: u32 = 51;
  /** A failure without a code of its own (skel's plain Go error). */
  // @ts-ignore: decorator
  @lazy @inline export const INTERNAL: u32 = 999;
}

/** First code a plugin may use for its own errors. */
// @ts-ignore: decorator
@lazy @inline export const FIRST_PLUGIN_ERROR_CODE: u32 = 100;

// @ts-ignore: decorator
@lazy @inline export const E_DECODE_CONFIG = "failed to decode network configuration";
// @ts-ignore: decorator
@lazy @inline export const E_INVALID_CONFIG = "invalid network configuration";
// @ts-ignore: decorator
@lazy @inline export const E_DECODE_RESULT = "failed to decode result";
// @ts-ignore: decorator
@lazy @inline export const E_INVALID_RESULT = "invalid result";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_CIDR = "must be a CIDR such as \"10.1.0.0/16\"";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_IP = "must be an IP address";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_INTERFACE = "must be the index of an entry of \"interfaces\"";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_SCOPE = "must be a route scope from 0 to 255";
// @ts-ignore: decorator
@lazy @inline export const E_NO_PREV_RESULT = "must be called as a chained plugin: the config has no prevResult";
