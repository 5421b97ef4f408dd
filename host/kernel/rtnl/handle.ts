// One rtnetlink socket bound to one netns, like netlink's Handle (NewHandleAt).
import { Errno, KernelError, LinkNotFoundError } from "../errors";
import type { NetnsHandle } from "../netns";
import type { NlMessage, NlRequest } from "../nl/message";
import { NetlinkSocket } from "../nl/socket";

export class RtnlHandle {
  private constructor(
    /** The netns every request of this handle acts in. */
    readonly ns: NetnsHandle,
    private readonly sock: NetlinkSocket,
  ) {}

  /** Opens a handle whose requests act in ns; the socket stays there. Close it in `finally`. */
  static openAt(ns: NetnsHandle): RtnlHandle {
    return new RtnlHandle(ns, NetlinkSocket.open(ns.native, ns.fd));
  }

  /**
   * Sends one request or dump. Failures are KernelErrors starting with `op`; ENODEV becomes a
   * LinkNotFoundError when the request names a link.
   */
  request(req: NlRequest, op: string, link?: string): NlMessage[] {
    try {
      return this.sock.execute(req, op);
    } catch (err) {
      if (link !== undefined && err instanceof KernelError && err.errno === Errno.ENODEV) {
        throw new LinkNotFoundError(op, link, { cause: err });
      }
      throw err;
    }
  }

  close(): void {
    this.sock.close();
  }
}

/** Runs fn with a handle in ns and closes it afterwards. */
export function withRtnl<T>(ns: NetnsHandle, fn: (h: RtnlHandle) => T): T {
  const h = RtnlHandle.openAt(ns);
  try {
    return fn(h);
  } finally {
    h.close();
  }
}
