// CNI error codes (SPEC.md "Error"; the same names as host/cni/errors.ts) and the messages
// of the cni folder, as std/assembly/util/error.ts keeps its messages.

export namespace CniErrorCode {
  // @ts-ignore: decorator
  @lazy @inline export const INCOMPATIBLE_VERSION: u32 = 1;
  // @ts-ignore: decorator
  @lazy @inline export const UNSUPPORTED_FIELD: u32 = 2;
  // @ts-ignore: decorator
  @lazy @inline export const UNKNOWN_CONTAINER: u32 = 3;
  // @ts-ignore: decorator
  @lazy @inline export const INVALID_ENV: u32 = 4;
  // @ts-ignore: decorator
  @lazy @inline export const IO_FAILURE: u32 = 5;
  // @ts-ignore: decorator
  @lazy @inline export const DECODE_FAILURE: u32 = 6;
  // @ts-ignore: decorator
  @lazy @inline export const INVALID_NETWORK_CONFIG: u32 = 7;
  // @ts-ignore: decorator
  @lazy @inline export const TRY_AGAIN_LATER: u32 = 11;
  // @ts-ignore: decorator
  @lazy @inline export const PLUGIN_NOT_AVAILABLE: u32 = 50;
  // @ts-ignore: decorator
  @lazy @inline export const LIMITED_CONNECTIVITY: u32 = 51;
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
