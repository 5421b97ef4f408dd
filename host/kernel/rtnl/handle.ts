// One rtnetlink socket bound to one netns, like netlink's Handle (NewHandleAt).
import { Errno, KernelError, LinkNotFoundError } from "../errors";
import type { NetnsHandle } from "../netns";
import { parseErrorMessage } from "../nl/ack";
import { NLM_F, NLMSG } from "../nl/header";
import { encodeRequest, type NlMessage, type NlRequest, parseMessages } from "../nl/message";
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
      throw linkError(err, op, link);
    }
  }

  /**
   * Sends an RTM_DELLINK `req` for link `index` and returns as soon as the kernel has taken the
   * link off its lists, without waiting out the teardown that follows (the addon's linkDelete).
   * Failures are as request's.
   */
  deleteLink(req: NlRequest, op: string, index: number, link: string): void {
    const bytes = encodeRequest({ ...req, flags: req.flags | NLM_F.REQUEST | NLM_F.ACK }, 1);
    let ack: Uint8Array | undefined;
    try {
      ack = this.ns.native.linkDelete(this.ns.fd, bytes, index);
    } catch (err) {
      throw KernelError.fromNative(op, err);
    }
    const error = parseMessages(ack ?? new Uint8Array()).find((m) => m.header.type === NLMSG.ERROR);
    const { errno, message } = error ? parseErrorMessage(error) : { errno: 0, message: "" };
    if (errno !== 0) throw linkError(new KernelError(op, errno, message), op, link);
  }

  close(): void {
    this.sock.close();
  }
}

/** ENODEV for a request that names a link is a LinkNotFoundError. */
function linkError(err: unknown, op: string, link: string | undefined): unknown {
  if (link !== undefined && err instanceof KernelError && err.errno === Errno.ENODEV) return new LinkNotFoundError(op, link, { cause: err });
  return err;
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
