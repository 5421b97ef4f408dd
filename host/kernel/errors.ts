// Typed kernel errors: a caller branches on the class or on `code` (the errno name).
import { getSystemErrorName } from "node:util";

// glibc's strerror text for the errnos netlink and namespaces commonly return.
const ERRNO: Record<number, [string, string]> = {
  1: ["EPERM", "Operation not permitted"],
  2: ["ENOENT", "No such file or directory"],
  3: ["ESRCH", "No such process"],
  4: ["EINTR", "Interrupted system call"],
  9: ["EBADF", "Bad file descriptor"],
  12: ["ENOMEM", "Cannot allocate memory"],
  13: ["EACCES", "Permission denied"],
  16: ["EBUSY", "Device or resource busy"],
  17: ["EEXIST", "File exists"],
  19: ["ENODEV", "No such device"],
  20: ["ENOTDIR", "Not a directory"],
  22: ["EINVAL", "Invalid argument"],
  28: ["ENOSPC", "No space left on device"],
  34: ["ERANGE", "Numerical result out of range"],
  61: ["ENODATA", "No data available"],
  71: ["EPROTO", "Protocol error"],
  90: ["EMSGSIZE", "Message too long"],
  93: ["EPROTONOSUPPORT", "Protocol not supported"],
  95: ["EOPNOTSUPP", "Operation not supported"],
  97: ["EAFNOSUPPORT", "Address family not supported by protocol"],
  99: ["EADDRNOTAVAIL", "Cannot assign requested address"],
  100: ["ENETDOWN", "Network is down"],
  101: ["ENETUNREACH", "Network is unreachable"],
  105: ["ENOBUFS", "No buffer space available"],
  110: ["ETIMEDOUT", "Connection timed out"],
  113: ["EHOSTUNREACH", "No route to host"],
};

/** Errno numbers that callers compare against. */
export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22,
  EOPNOTSUPP: 95, EADDRNOTAVAIL: 99, ENETUNREACH: 101,
} as const;

/** The errno's name ("EEXIST"), or "E<n>" for one Node does not know either. */
export function errnoName(errno: number): string {
  const known = ERRNO[errno];
  if (known) return known[0];
  try {
    const name = getSystemErrorName(-errno);
    if (/^E[A-Z0-9]+$/.test(name)) return name; // else "Unknown system error -n"
  } catch {
    // not an errno Node knows
  }
  return `E${errno}`;
}

function errnoText(errno: number): string {
  return ERRNO[errno]?.[1] ?? "Unknown error";
}

/** A failed kernel operation: "add 10.1.0.2/24 to eth0: EEXIST (File exists)". */
export class KernelError extends Error {
  override name = "KernelError";
  /** errno name, as Node's fs errors use it. */
  readonly code: string;
  readonly errno: number;
  /** What we were doing, e.g. "add 10.1.0.2/24 to eth0". */
  readonly op: string;
  /** The kernel's extended ack text (NLMSGERR_ATTR_MSG), "" if none. */
  readonly kernelMessage: string;

  constructor(op: string, errno: number, kernelMessage = "", options?: { cause?: unknown }) {
    const code = errnoName(errno);
    super(`${op}: ${code} (${errnoText(errno)})${kernelMessage ? `: ${kernelMessage}` : ""}`, options);
    this.code = code;
    this.errno = errno;
    this.op = op;
    this.kernelMessage = kernelMessage;
  }

  /** Wraps an error from the addon or node:fs (both carry `errno`; fs negates it); passes others through. */
  static fromNative(op: string, err: unknown): Error {
    const errno = (err as { errno?: unknown } | null)?.errno;
    if (typeof errno === "number") return new KernelError(op, Math.abs(errno), "", { cause: err });
    return err instanceof Error ? err : new Error(`${op}: ${String(err)}`);
  }
}

/** The named link does not exist (ENODEV): DEL treats it as done, like `ip.ErrLinkNotFound`. */
export class LinkNotFoundError extends KernelError {
  override name = "LinkNotFoundError";
  readonly link: string;

  constructor(op: string, link: string, options?: { cause?: unknown }) {
    super(op, Errno.ENODEV, "", options);
    this.link = link;
  }
}

/** The netns path does not exist (any more): DEL treats it as done, like `ns.NSPathNotExistErr`. */
export class NetnsGoneError extends KernelError {
  override name = "NetnsGoneError";
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super(`open netns ${path}`, Errno.ENOENT, "", options);
    this.path = path;
  }
}
