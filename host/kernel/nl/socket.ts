// A blocking NETLINK_ROUTE socket: sends a request, collects replies until the ack or the dump's end.
import { Errno, KernelError } from "../errors";
import type { NativeApi } from "../native";
import { parseDoneMessage, parseErrorMessage } from "./ack";
import { NLM_F, NLMSG } from "./header";
import { encodeRequest, type NlMessage, type NlRequest, parseMessages } from "./message";

// The kernel caps one dump datagram at 32 KiB; twice that leaves room.
const RECV_BUFFER = 64 * 1024;
// A dump that raced with a change (NLM_F_DUMP_INTR) is retried this many times.
const DUMP_TRIES = 3;

export class NetlinkSocket {
  private seq: number;
  private readonly buf = new Uint8Array(RECV_BUFFER);
  private closed = false;

  private constructor(
    private readonly native: NativeApi,
    readonly fd: number,
  ) {
    // Start somewhere arbitrary so replies to another socket's requests are never mistaken for ours.
    this.seq = Math.floor(Math.random() * 0x7fffffff);
  }

  /** Opens a socket in the netns of nsFd (-1: the current one). */
  static open(native: NativeApi, nsFd: number): NetlinkSocket {
    try {
      return new NetlinkSocket(native, native.netlinkSocket(nsFd));
    } catch (err) {
      throw KernelError.fromNative("open netlink socket", err);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close(this.fd);
  }

  /**
   * Sends req and returns the messages it brings back. A request (not a dump) is acked; a
   * failure becomes a KernelError whose message starts with `op`.
   */
  execute(req: NlRequest, op: string): NlMessage[] {
    const dump = (req.flags & NLM_F.DUMP) === NLM_F.DUMP;
    for (let tries = 1; ; tries++) {
      const { messages, interrupted } = this.exchange(req, op, dump);
      if (!interrupted) return messages;
      if (tries >= DUMP_TRIES) throw new KernelError(op, Errno.EINTR, "dump interrupted by concurrent changes");
    }
  }

  private exchange(req: NlRequest, op: string, dump: boolean): { messages: NlMessage[]; interrupted: boolean } {
    // Dumps end with NLMSG_DONE; asking for an ack as well would only add a message.
    const flags = req.flags | NLM_F.REQUEST | (dump ? 0 : NLM_F.ACK);
    const seq = (this.seq = (this.seq + 1) >>> 0);
    this.io(op, () => this.native.send(this.fd, encodeRequest({ ...req, flags }, seq)));
    const messages: NlMessage[] = [];
    let interrupted = false;
    for (;;) {
      const n = this.io(op, () => this.native.recv(this.fd, this.buf));
      // Copy: the receive buffer is reused, the parsed messages must outlive it.
      for (const msg of parseMessages(this.buf.slice(0, n))) {
        if (msg.header.seq !== seq) continue; // a late reply to an earlier, abandoned request
        if (msg.header.flags & NLM_F.DUMP_INTR) interrupted = true;
        if (msg.header.type === NLMSG.ERROR || msg.header.type === NLMSG.DONE) {
          const ack = msg.header.type === NLMSG.ERROR ? parseErrorMessage(msg) : parseDoneMessage(msg);
          if (ack.errno !== 0) throw new KernelError(op, ack.errno, ack.message);
          return { messages, interrupted };
        }
        if (msg.header.type === NLMSG.OVERRUN) throw new KernelError(op, Errno.EINTR, "netlink overrun");
        if (msg.header.type !== NLMSG.NOOP) messages.push(msg);
      }
    }
  }

  private io<T>(op: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw KernelError.fromNative(op, err);
    }
  }
}
