// Builders for the CNI error record a verb returns (code, msg, details; libcni's types.Error).
// The record itself is the class generated from WIT's `cni-error` in bindings/types.ts, so a
// verb returns what these make as it is.
import { CniError } from "../bindings/types";
import { quoteJson } from "../json/index";
import { Result, Unit, okUnit, err } from "../abi/result";
import { CniErrorCode, FIRST_PLUGIN_ERROR_CODE, E_INVALID_CONFIG } from "./errors";

/** An error with a spec code (1-99, 999) or a plugin code (100 and up). */
export function newCniError(code: u32, msg: string, details: string = ""): CniError {
  const e = new CniError();
  e.code = code;
  e.msg = msg;
  e.details = details;
  return e;
}

/** Code 7: the config is wrong; `details` names the fields. */
export function invalidConfigError(details: string): CniError {
  return newCniError(CniErrorCode.INVALID_NETWORK_CONFIG, E_INVALID_CONFIG, details);
}

/** Code 999: a failure without a code of its own, as skel reports a plain Go error. */
export function internalError(msg: string, details: string = ""): CniError {
  return newCniError(CniErrorCode.INTERNAL, msg, details);
}

/** Code 11: the runtime should retry later. */
export function tryAgainLaterError(msg: string, details: string = ""): CniError {
  return newCniError(CniErrorCode.TRY_AGAIN_LATER, msg, details);
}

/** Code 50 (STATUS): the plugin cannot service ADD. */
export function notAvailableError(msg: string, details: string = ""): CniError {
  return newCniError(CniErrorCode.PLUGIN_NOT_AVAILABLE, msg, details);
}

/** Code 51 (STATUS): the plugin cannot service ADD, and attached containers may have lost connectivity. */
export function limitedConnectivityError(msg: string, details: string = ""): CniError {
  return newCniError(CniErrorCode.LIMITED_CONNECTIVITY, msg, details);
}

/** A plugin-defined error: `offset` 0 is code 100. */
export function pluginError(offset: u32, msg: string, details: string = ""): CniError {
  return newCniError(FIRST_PLUGIN_ERROR_CODE + offset, msg, details);
}

/** The same error with context before its message: "add 10.1.0.2/24 to eth0: <msg>". */
export function wrapCniError(e: CniError, context: string): CniError {
  return newCniError(e.code, context + ": " + e.msg, e.details);
}

/** The spec's error JSON; `details` is left out when empty, as in libcni. */
export function cniErrorToJson(e: CniError, cniVersion: string): string {
  let out = "{\"cniVersion\":" + quoteJson(cniVersion) + ",\"code\":" + e.code.toString() +
    ",\"msg\":" + quoteJson(e.msg);
  if (e.details.length > 0) out += ",\"details\":" + quoteJson(e.details);
  return out + "}";
}

/** "msg; details", for logs and test messages. */
export function formatCniError(e: CniError): string {
  return e.details.length > 0 ? e.msg + "; " + e.details : e.msg;
}

// The SDK's one failure convention: every step that can fail returns `Result<T, CniError>`
// (`Done` when it has no value), so failures pass up the same way everywhere.

/** What a step with no value returns: `Result<Unit, CniError>`. */
export type Done = Result<Unit, CniError>;

/** A `Done` that succeeded: `return done();`. */
export function done(): Done {
  return okUnit<CniError>();
}

/** A failed step of any value type: `return fail<string>(invalidConfigError("..."));`. */
export function fail<T>(e: CniError): Result<T, CniError> {
  return err<T, CniError>(e);
}
