import { describe, expect, it } from "vitest";
import { KernelError } from "../../../../host/kernel/errors";
import type { NativeApi } from "../../../../host/kernel/native";
import { NLM_F } from "../../../../host/kernel/nl/header";
import { NetlinkSocket } from "../../../../host/kernel/nl/socket";
import { ifInfoMsg } from "../../../../host/kernel/rtnl/ifinfo";
import { DUMP_ADDR_V6, GET_LINK_VETH, ROUTE_ONLINK_WITHOUT_DEV } from "./captures";

const notUsed = (): never => {
  throw new Error("not used by netlink");
};
const prestartNotUsed = {
  unixListen: notUsed, unixConnect: notUsed, accept: notUsed, peerUid: notUsed, waitReadable: notUsed,
  sendMsg: notUsed, recvMsg: notUsed, dup2: notUsed, unshareNet: notUsed, nsOpen: notUsed, openFds: notUsed, linkDelete: notUsed,
};

/** A fake addon that answers each request with captured datagrams, renumbered to the request's seq. */
function replay(...answers: Array<Array<{ hex: string; seqDelta?: number; flags?: number }>>) {
  const sent: Buffer[] = [];
  let queue: Buffer[] = [];
  const native: NativeApi = {
    netlinkSocket: () => 42,
    send: (_fd, b) => {
      const req = Buffer.from(b);
      sent.push(req);
      const seq = req.readUInt32LE(8);
      queue = (answers.shift() ?? []).map(({ hex, seqDelta = 0, flags }) => {
        const d = Buffer.from(hex, "hex");
        for (let off = 0; off < d.length; off += (d.readUInt32LE(off) + 3) & ~3) {
          d.writeUInt32LE(seq + seqDelta, off + 8);
          if (flags !== undefined) d.writeUInt16LE(d.readUInt16LE(off + 6) | flags, off + 6);
        }
        return d;
      });
      return b.length;
    },
    recv: (_fd, buf) => {
      const d = queue.shift();
      if (!d) throw Object.assign(new Error("would block"), { code: "EAGAIN", errno: 11 });
      buf.set(d);
      return d.length;
    },
    close: () => undefined,
    setns: () => undefined,
    flock: () => true,
    tapCreate: () => undefined,
    ...prestartNotUsed,
  };
  return { native, sent };
}

const getLink = { type: 18, flags: 0, body: ifInfoMsg(), attrs: [] };
const dumpAddr = { type: 22, flags: NLM_F.DUMP, body: new Uint8Array(8), attrs: [] };

describe("nl/socket", () => {
  it("execute returns the reply and stops at the ack, asking for one", () => {
    const { native, sent } = replay(GET_LINK_VETH.datagrams.map((hex) => ({ hex })));
    const msgs = NetlinkSocket.open(native, -1).execute(getLink, "get link veth0");
    expect(msgs.map((m) => m.header.type)).toEqual([16]);
    expect(sent[0]!.readUInt16LE(6)).toBe(NLM_F.REQUEST | NLM_F.ACK);
  });

  it("execute skips replies to an earlier sequence number", () => {
    const { native } = replay([{ hex: GET_LINK_VETH.datagrams[0]!, seqDelta: -1 }, { hex: GET_LINK_VETH.datagrams[1]! }]);
    expect(NetlinkSocket.open(native, -1).execute(getLink, "get link veth0")).toEqual([]);
  });

  it("execute throws a KernelError carrying op, errno name and the kernel's message", () => {
    const { native } = replay([{ hex: ROUTE_ONLINK_WITHOUT_DEV.datagrams[0]! }]);
    const sock = NetlinkSocket.open(native, -1);
    const err = (() => { try { sock.execute(getLink, "add route default via 10.9.9.1"); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(KernelError);
    expect(err).toMatchObject({
      code: "ENODEV",
      errno: 19,
      kernelMessage: "Nexthop device required for onlink",
      message: "add route default via 10.9.9.1: ENODEV (No such device): Nexthop device required for onlink",
    });
  });

  it("execute collects a dump until NLMSG_DONE without asking for an ack", () => {
    const { native, sent } = replay([{ hex: DUMP_ADDR_V6.datagrams[0]! }]);
    expect(NetlinkSocket.open(native, -1).execute(dumpAddr, "list addresses").length).toBe(2);
    expect(sent[0]!.readUInt16LE(6)).toBe(NLM_F.REQUEST | NLM_F.DUMP);
  });

  it("execute retries a dump interrupted by a concurrent change", () => {
    const { native, sent } = replay([{ hex: DUMP_ADDR_V6.datagrams[0]!, flags: NLM_F.DUMP_INTR }], [{ hex: DUMP_ADDR_V6.datagrams[0]! }]);
    expect(NetlinkSocket.open(native, -1).execute(dumpAddr, "list addresses").length).toBe(2);
    expect(sent.length).toBe(2);
  });

  it("execute gives up with EINTR after three interrupted dumps", () => {
    const intr = [{ hex: DUMP_ADDR_V6.datagrams[0]!, flags: NLM_F.DUMP_INTR }];
    const { native } = replay(intr, intr, intr);
    expect(() => NetlinkSocket.open(native, -1).execute(dumpAddr, "list addresses")).toThrow(expect.objectContaining({ code: "EINTR" }));
  });

  it("execute wraps an addon errno error into a KernelError with the op", () => {
    const { native } = replay();
    native.send = () => { throw Object.assign(new Error("sendto"), { code: "EBADF", errno: 9 }); };
    expect(() => NetlinkSocket.open(native, -1).execute(getLink, "get link x")).toThrow("get link x: EBADF (Bad file descriptor)");
  });
});
