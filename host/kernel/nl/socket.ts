// A blocking netlink socket (rtnetlink or nfnetlink): sends a request or a batch, collects
// replies until the acks or the dump's end.
import { Errno, KernelError } from "../errors";
import type { NativeApi } from "../native";
import { parseDoneMessage, parseErrorMessage } from "./ack";
import { NLM_F, NLMSG } from "./header";
import { encodeRequest, type NlMessage, type NlRequest, parseMessages } from "./message";

// The kernel caps one dump datagram at 32 KiB; twice that leaves room.
const RECV_BUFFER = 64 * 1024;
// A dump that raced with a change (NLM_F_DUMP_INTR) is retried this many times.
const DUMP_TRIES = 3;

/** The netlink families the addon opens (linux/netlink.h). */
export const NETLINK_PROTOCOL = { ROUTE: 0, NETFILTER: 12 } as const;

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

  /** Opens a socket of `protocol` (NETLINK_PROTOCOL) in the netns of nsFd (-1: the current one). */
  static open(native: NativeApi, nsFd: number, protocol: number = NETLINK_PROTOCOL.ROUTE): NetlinkSocket {
    try {
      return new NetlinkSocket(native, native.netlinkSocket(nsFd, protocol));
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

  /**
   * Sends several requests in one datagram, as given (an nfnetlink batch: BATCH_BEGIN, the
   * changes with NLM_F_ACK, BATCH_END; the kernel applies it all or nothing), and waits for
   * the ack of every request that asked for one. The first error fails the whole call as a
   * KernelError starting with `op`; an error for a request that asked for no ack (a refused
   * batch, a failed commit: both answered on BATCH_BEGIN) ends the wait.
   */
  executeBatch(reqs: readonly NlRequest[], op: string): void {
    const seqs = reqs.map(() => (this.seq = (this.seq + 1) >>> 0));
    const parts = reqs.map((r, i) => encodeRequest({ ...r, flags: r.flags | NLM_F.REQUEST }, seqs[i]!));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((off, p) => (bytes.set(p, off), off + p.length), 0);
    this.io(op, () => this.native.send(this.fd, bytes));
    const pending = new Set(seqs.filter((_, i) => (reqs[i]!.flags & NLM_F.ACK) !== 0));
    let failure: KernelError | undefined;
    while (pending.size > 0) {
      const n = this.io(op, () => this.native.recv(this.fd, this.buf));
      for (const msg of parseMessages(this.buf.slice(0, n))) {
        const seq = msg.header.seq;
        if (msg.header.type !== NLMSG.ERROR || !seqs.includes(seq)) continue;
        const ack = parseErrorMessage(msg);
        if (ack.errno !== 0) failure ??= new KernelError(op, ack.errno, ack.message);
        if (!pending.delete(seq) && ack.errno !== 0) pending.clear();
      }
    }
    if (failure) throw failure;
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
