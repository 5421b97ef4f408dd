// qdisc.* and link.create of an ifb through the caps (the WIT record a plugin sends, converted
// by host/caps/qdisc.ts and packed by host/kernel/rtnl), byte for byte against what tc and ip
// send for the same command (iproute2-qdisc.ts, captured by capture-qdisc.sh); the deletes
// straight from host/kernel/rtnl.
import { describe, expect, it } from "vitest";
import type { CallContext } from "../../host/caps/context";
import { Journal } from "../../host/caps/journal";
import { createLinkCaps } from "../../host/caps/link";
import { createQdiscCaps } from "../../host/caps/qdisc";
import { PluginScope } from "../../host/caps/scope";
import type { QdiscKind, TbfAttrs } from "../../host/generated/interfaces/cni-host-qdisc";
import type { NetnsHandle } from "../../host/kernel/netns";
import { NLM_F } from "../../host/kernel/nl/header";
import { encodeRequest, type NlRequest, parseMessages } from "../../host/kernel/nl/message";
import type { RtnlHandle } from "../../host/kernel/rtnl/handle";
import { RTM } from "../../host/kernel/rtnl/message-types";
import { qdiscDel } from "../../host/kernel/rtnl/qdisc";
import { filterDel } from "../../host/kernel/rtnl/tc-filter";
import { DEFAULT_LIMITS, LINK_KINDS } from "../../host/runtime/policy";
import { GET_LINK_VETH } from "../unit/kernel/nl/captures";
import { TC } from "./iproute2-qdisc";

const INDEX: Record<string, number> = { h0: 2, ifb0: 4 };

function linkReply(index: number) {
  const bytes = Buffer.from(GET_LINK_VETH.datagrams[0]!, "hex");
  bytes.writeInt32LE(index, 20);
  return parseMessages(new Uint8Array(bytes));
}

function nameOf(req: NlRequest): string {
  const a = req.attrs.find((x) => x.type === 3);
  return a ? Buffer.from(a.data).toString().replace(/\0+$/, "") : "";
}

/** One namespace, held but not the host's (no scope checks): every request but the lookups. */
function caps() {
  const sent: NlRequest[] = [];
  const h = {
    ns: { fd: 3 } as NetnsHandle,
    request: (req: NlRequest) => {
      if (req.type === RTM.GETLINK) return linkReply(INDEX[nameOf(req)] ?? 9);
      sent.push(req);
      return [];
    },
  } as unknown as RtnlHandle;
  const namespaces = { rtnl: () => h, netns: () => h.ns };
  const grant = { ...DEFAULT_LIMITS, linkKinds: LINK_KINDS };
  const ctx = { plugin: "golden", records: [], namespaces, journal: new Journal(false), hostCalls: 0, grant } as unknown as CallContext;
  ctx.scope = new PluginScope(ctx);
  ctx.scope.hold(0, false);
  return { qdisc: createQdiscCaps(ctx), link: createLinkCaps(ctx), sent, h };
}

function wire(req: NlRequest | undefined, captured: string): string {
  const seq = Buffer.from(captured, "hex").readUInt32LE(8);
  return Buffer.from(encodeRequest({ ...req!, flags: req!.flags | NLM_F.REQUEST | NLM_F.ACK }, seq)).toString("hex");
}

const tbf = (t: Omit<TbfAttrs, "handle">): QdiscKind => ({ tag: "tbf", val: { handle: 1, ...t } });

describe("qdisc.add and qdisc.replace send what tc sends", () => {
  it.each<[string, string, "add" | "replace", QdiscKind]>([
    ["tbf", "tc qdisc add dev h0 root handle 1: tbf rate 10mbit burst 8kb latency 25ms", "add",
      tbf({ rate: 1_250_000n, burst: 8192, queue: { tag: "latency-us", val: 25_000 } })],
    ["tbf-replace", "tc qdisc replace dev h0 root handle 1: tbf rate 1250000bps burst 100000 limit 200000", "replace",
      tbf({ rate: 1_250_000n, burst: 100_000, queue: { tag: "limit-bytes", val: 200_000 } })],
    ["tbf-peakrate", "tc qdisc replace dev h0 root handle 1: tbf rate 5gbit burst 1mb latency 50ms peakrate 6gbit mtu 9000", "replace",
      tbf({ rate: 625_000_000n, burst: 1_048_576, queue: { tag: "latency-us", val: 50_000 }, peakrate: 750_000_000n, mtu: 9000 })],
    ["ingress", "tc qdisc add dev h0 ingress", "add", { tag: "ingress" }],
  ])("%s: `%s`", (label, _command, verb, kind) => {
    const { qdisc, sent } = caps();
    qdisc[verb](0, "h0", kind);
    expect(sent).toHaveLength(1);
    expect(wire(sent[0], TC[label]!)).toBe(TC[label]);
  });

  it("clsact: `tc qdisc add dev ifb0 clsact`", () => {
    const { qdisc, sent } = caps();
    qdisc.add(0, "ifb0", { tag: "clsact" });
    expect(wire(sent[0], TC.clsact!)).toBe(TC.clsact);
  });

  it.each<[string, TbfAttrs, RegExp]>([
    ["rate 0", { handle: 1, rate: 0n, burst: 1, queue: { tag: "limit-bytes", val: 1 } }, /rate 0 bytes\/s is outside/],
    ["burst 0", { handle: 1, rate: 1n, burst: 0, queue: { tag: "limit-bytes", val: 1 } }, /burst 0 bytes is outside/],
    ["a bucket of more than 274 s", { handle: 1, rate: 1000n, burst: 4_000_000, queue: { tag: "latency-us", val: 1 } }, /takes more than 274 s/],
    ["latency 0", { handle: 1, rate: 1000n, burst: 10, queue: { tag: "latency-us", val: 0 } }, /latency 0 us is outside/],
    ["peakrate without mtu", { handle: 1, rate: 1000n, burst: 10, queue: { tag: "limit-bytes", val: 10 }, peakrate: 2000n }, /peakrate needs mtu/],
    ["peakrate below rate", { handle: 1, rate: 1000n, burst: 10, queue: { tag: "limit-bytes", val: 10 }, peakrate: 10n, mtu: 1500 }, /must be above rate/],
    ["handle 0", { handle: 0, rate: 1000n, burst: 10, queue: { tag: "limit-bytes", val: 10 } }, /handle 0 is outside/],
    ["handle ffff", { handle: 0xffff, rate: 1000n, burst: 10, queue: { tag: "limit-bytes", val: 10 } }, /handle 65535 is outside/],
  ])("a tbf with %s is invalid and sends nothing", (_what, t, message) => {
    const { qdisc, sent } = caps();
    expect(() => qdisc.add(0, "h0", { tag: "tbf", val: t })).toThrow(message);
    expect(sent).toEqual([]);
  });
});

describe("qdisc.add-redirect sends what tc sends", () => {
  it("redirect: `tc filter add dev h0 ingress protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ifb0`", () => {
    const { qdisc, sent } = caps();
    qdisc.addRedirect(0, "h0", { to: "ifb0", priority: 1, mirror: false });
    expect(wire(sent[0], TC.redirect!)).toBe(TC.redirect);
  });

  it("mirror: `tc filter add dev h0 ingress protocol all prio 2 u32 match u32 0 0 action mirred egress mirror dev ifb0`", () => {
    const { qdisc, sent } = caps();
    qdisc.addRedirect(0, "h0", { to: "ifb0", priority: 2, mirror: true });
    expect(wire(sent[0], TC.mirror!)).toBe(TC.mirror);
  });

  it("a redirect to its own link, or at priority 0, is invalid and sends nothing", () => {
    const { qdisc, sent } = caps();
    expect(() => qdisc.addRedirect(0, "h0", { to: "h0", priority: 1, mirror: false })).toThrow(/to itself would loop/);
    expect(() => qdisc.addRedirect(0, "h0", { to: "ifb0", priority: 0, mirror: false })).toThrow(/priority 0 is outside/);
    expect(sent).toEqual([]);
  });
});

describe("deletes and ifb send what tc and ip send", () => {
  it("tbf-del: `tc qdisc del dev h0 root`", () => {
    const { h, sent } = caps();
    qdiscDel(h, 2, "root");
    expect(wire(sent[0], TC["tbf-del"]!)).toBe(TC["tbf-del"]);
  });

  it("ingress-del: `tc qdisc del dev h0 ingress`", () => {
    const { h, sent } = caps();
    qdiscDel(h, 2, { ingress: "ingress" });
    expect(wire(sent[0], TC["ingress-del"]!)).toBe(TC["ingress-del"]);
  });

  it("filter-del: `tc filter del dev h0 ingress prio 2`", () => {
    const { h, sent } = caps();
    filterDel(h, 2, 2);
    expect(wire(sent[0], TC["filter-del"]!)).toBe(TC["filter-del"]);
  });

  it("ifb: `ip link add ifb1 type ifb` (link.create of kind ifb)", () => {
    const { link, sent } = caps();
    link.create(0, { name: "ifb1", kind: { tag: "ifb" } });
    expect(wire(sent[0], TC.ifb!)).toBe(TC.ifb);
  });
});
