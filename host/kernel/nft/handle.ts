// One nfnetlink socket bound to one netns, for nf_tables requests (like rtnl/handle.ts).
import { Errno, KernelError } from "../errors";
import type { NetnsHandle } from "../netns";
import type { NlMessage, NlRequest } from "../nl/message";
import { NETLINK_PROTOCOL, NetlinkSocket } from "../nl/socket";
import { batch } from "./batch";

export class NftHandle {
  private constructor(private readonly sock: NetlinkSocket) {}

  /** Opens a NETLINK_NETFILTER socket whose requests act in ns. Close it in `finally`. */
  static openAt(ns: NetnsHandle): NftHandle {
    return new NftHandle(NetlinkSocket.open(ns.native, ns.fd, NETLINK_PROTOCOL.NETFILTER));
  }

  /** Applies changes as one batch: all of them or none. */
  commit(changes: readonly NlRequest[], op: string): void {
    this.sock.executeBatch(batch(changes), op);
  }

  /** A GET dump; a table or chain that does not exist (ENOENT) lists nothing. */
  dump(req: NlRequest, op: string): NlMessage[] {
    try {
      return this.sock.execute(req, op);
    } catch (err) {
      if (err instanceof KernelError && err.errno === Errno.ENOENT) return [];
      throw err;
    }
  }

  close(): void {
    this.sock.close();
  }
}

/** Runs fn with a handle in ns and closes it afterwards. */
export function withNft<T>(ns: NetnsHandle, fn: (h: NftHandle) => T): T {
  const h = NftHandle.openAt(ns);
  try {
    return fn(h);
  } finally {
    h.close();
  }
}
