// The CNI error record a verb returns: code, msg, details, as WIT's `cni-error` and
// libcni's types.Error. Shaped like the generated bindings' record so one can replace
// the other.
import { quoteJson } from "../json/index";
import { CniErrorCode, FIRST_PLUGIN_ERROR_CODE, E_INVALID_CONFIG } from "./errors";

export class CniError {
  constructor(public code: u32, public msg: string, public details: string = "") {}

  /** An error with a spec code (1-99, 999) or a plugin code (100 and up). */
  static of(code: u32, msg: string, details: string = ""): CniError {
    return new CniError(code, msg, details);
  }

  /** Code 7: the config is wrong; `details` names the fields. */
  static invalidConfig(details: string): CniError {
    return new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, E_INVALID_CONFIG, details);
  }

  /** Code 999: a failure without a code of its own, as skel reports a plain Go error. */
  static internal(msg: string, details: string = ""): CniError {
    return new CniError(CniErrorCode.INTERNAL, msg, details);
  }

  /** Code 11: the runtime should retry later. */
  static tryAgainLater(msg: string, details: string = ""): CniError {
    return new CniError(CniErrorCode.TRY_AGAIN_LATER, msg, details);
  }

  /** A plugin-defined error: `offset` 0 is code 100. */
  static plugin(offset: u32, msg: string, details: string = ""): CniError {
    return new CniError(FIRST_PLUGIN_ERROR_CODE + offset, msg, details);
  }

  /** The same error with context before its message: "add 10.1.0.2/24 to eth0: <msg>". */
  wrap(context: string): CniError {
    return new CniError(this.code, context + ": " + this.msg, this.details);
  }

  /** The spec's error JSON; `details` is left out when empty, as in libcni. */
  toJson(cniVersion: string): string {
    let out = "{\"cniVersion\":" + quoteJson(cniVersion) + ",\"code\":" + this.code.toString() +
      ",\"msg\":" + quoteJson(this.msg);
    if (this.details.length > 0) out += ",\"details\":" + quoteJson(this.details);
    return out + "}";
  }

  /** "msg; details", for logs. */
  toString(): string {
    return this.details.length > 0 ? this.msg + "; " + this.details : this.msg;
  }
}
