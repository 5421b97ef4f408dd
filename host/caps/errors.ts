import type { CniError, HostError } from "../generated/interfaces/cni-host-types";
import { KernelError, LinkNotFoundError, NetnsGoneError } from "../kernel/errors";
import { LockTimeoutError } from "../store/lock";
import { StoreArgumentError } from "../store/store";

/**
 * An expected failure of a host function, handed to the guest as the WIT `err` value: the
 * host's ABI (runtime/abi/instance.ts) lowers an own `payload` property as `err(payload)`. Anything else thrown from a cap
 * is a host bug: it traps the guest and becomes CNI error 999 naming the plugin and function.
 */
export class WitError<P> extends Error {
  override name = "WitError";
  constructor(
    readonly payload: P,
    message: string,
  ) {
    super(message);
  }
}

/** The `err` of a function returning `result<_, host-error>`. */
export class CapError extends WitError<HostError> {
  override name = "CapError";
  constructor(payload: HostError) {
    super(payload, describeHostError(payload));
  }
}

/**
 * A refusal by a host function whose WIT error is a cni-error (ipam.*: the delegate is not in
 * the caller's grant): the guest gets it as its `err` value, the audit records it as a denial.
 */
export class CniDenial extends WitError<CniError> {
  override name = "CniDenial";
  constructor(msg: string) {
    super({ code: 999, msg, details: "" }, msg);
  }
}

/** Shorthands for the cases a cap raises itself. */
export const denied = (msg: string): CapError => new CapError({ tag: "denied", val: msg });
export const invalid = (msg: string): CapError => new CapError({ tag: "invalid", val: msg });
export const notFound = (msg: string): CapError => new CapError({ tag: "not-found", val: msg });

/** "exists: add 10.1.0.2/24 to eth0: EEXIST (File exists)" — for logs and the audit record. */
export function describeHostError(e: HostError): string {
  return e.tag === "kernel" ? `kernel: ${e.val.message}` : `${e.tag}: ${e.val}`;
}

/**
 * Maps an error from kernel/ or store/ to its WIT case, in one place (like preview2-shim's
 * convertFsError). Returns undefined for errors that are not expected failures.
 */
export function toHostError(e: unknown): HostError | undefined {
  if (e instanceof CapError) return e.payload;
  if (e instanceof NetnsGoneError) return { tag: "netns-gone", val: e.message };
  if (e instanceof LinkNotFoundError) return { tag: "not-found", val: e.message };
  if (e instanceof StoreArgumentError) return { tag: "invalid", val: e.message };
  // EBUSY: host-local reports it as CNI code 11, "try again later".
  if (e instanceof LockTimeoutError) return { tag: "kernel", val: { errno: 16, message: e.message } };
  if (e instanceof KernelError) {
    switch (e.code) {
      case "EEXIST":
        return { tag: "exists", val: e.message };
      case "ENOENT":
      case "ENODEV":
      case "ESRCH":
      case "EADDRNOTAVAIL":
        return { tag: "not-found", val: e.message };
      case "EINVAL":
      case "ERANGE":
        return { tag: "invalid", val: e.message };
      case "EPERM":
      case "EACCES":
        return { tag: "denied", val: e.message };
      default:
        return { tag: "kernel", val: { errno: e.errno, message: e.message } };
    }
  }
  const errno = (e as NodeJS.ErrnoException | null)?.errno;
  if (e instanceof Error && typeof errno === "number") {
    return { tag: "kernel", val: { errno: Math.abs(errno), message: e.message } };
  }
  return undefined;
}
