// HostError (the WIT variant every host function fails with) as a CNI error with context, like
// the Go plugins' fmt.Errorf("failed to add IP addr %v to %q: %v", ...): the message names
// what the plugin tried, then the case and the host's own message.
import { HostError, HostErrorTag, CniError } from "../bindings/index";
import { internalError } from "./cni-error";

/** "exists: <message>", "kernel: <message>": the case and its payload. */
export function describeHostError(e: HostError): string {
  switch (e.tag) {
    case HostErrorTag.NOT_FOUND: return "not found: " + e.notFound;
    case HostErrorTag.EXISTS: return "exists: " + e.exists;
    case HostErrorTag.DENIED: return "denied: " + e.denied;
    case HostErrorTag.INVALID: return "invalid: " + e.invalid;
    case HostErrorTag.NETNS_GONE: return "netns gone: " + e.netnsGone;
    default: return "kernel: " + e.kernel.message;
  }
}

/**
 * Code 999 with `context` first: hostErrorToCni(e, "add 10.1.0.2/24 to eth0") is
 * "add 10.1.0.2/24 to eth0: exists: ...". skel reports a plain Go error with the same code.
 */
export function hostErrorToCni(e: HostError, context: string): CniError {
  return internalError(context + ": " + describeHostError(e));
}

/** True for the cases DEL counts as done: the object or the whole netns is gone. */
export function isGone(e: HostError): bool {
  return e.isNotFound || e.isNetnsGone;
}
