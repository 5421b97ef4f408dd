// link.create vxlan and the neigh functions through the caps (the WIT values a plugin sends,
// converted by host/caps/link.ts and neigh.ts and packed by host/kernel/rtnl/kinds/vxlan.ts and
// neigh.ts), byte for byte against what `ip link add ... type vxlan`, `ip neigh` and `bridge fdb`
// send for the same command (iproute2-neigh.ts, captured by capture-neigh.sh); and the dumps'
// replies the kernel sent iproute2, read back through the caps.
import { describe, expect, it } from "vitest";
import type { CallContext } from "../../host/caps/context";
import { Journal } from "../../host/caps/journal";
import { createLinkCaps } from "../../host/caps/link";
import { createNeighCaps } from "../../host/caps/neigh";
import { PluginScope } from "../../host/caps/scope";
import type { LinkSpec, VxlanAttrs } from "../../host/generated/interfaces/cni-host-link";
import { NLM_F } from "../../host/kernel/nl/header";
import { encodeRequest, type NlRequest, parseMessages } from "../../host/kernel/nl/message";
import type { RtnlHandle } from "../../host/kernel/rtnl/handle";
import { parseLink } from "../../host/kernel/rtnl/ifinfo";
import { RTM } from "../../host/kernel/rtnl/message-types";
import { DEFAULT_LIMITS, LINK_KINDS } from "../../host/runtime/policy";
import { GET_LINK_VETH } from "../unit/kernel/nl/captures";
import { IPROUTE2_NEIGH as IPROUTE2 } from "./iproute2-neigh";

const INDEX: Record<string, number> = { eth0: 3, vx0: 4 };

/** A link reply (the captured veth0) with its ifindex set to `index`. */
function linkReply(index: number) {
  const bytes = Buffer.from(GET_LINK_VETH.datagrams[0]!, "hex");
  bytes.writeInt32LE(index, 20);
  return parseMessages(new Uint8Array(bytes));
}

/** The IFLA_IFNAME of a lookup request ("" for a lookup by index). */
function nameOf(req: NlRequest): string {
  const a = req.attrs.find((x) => x.type === 3);
  return a ? Buffer.from(a.data).toString().replace(/\0+$/, "") : "";
}

/**
 * The link and neigh caps over one namespace that is not the host's (no owner marks, no host
 * scope): lookups find eth0 (3) and vx0 (4); a dump answers `dumpReply`. Returns every request but the lookups.
 */
function caps(dumpReply = "") {
  const sent: NlRequest[] = [];
  const h = {
    ns: { fd: 3 },
    request: (req: NlRequest) => {
      if (req.type === RTM.GETLINK) return linkReply(INDEX[nameOf(req)] ?? 4);
      sent.push(req);
      return req.type === RTM.GETNEIGH ? parseMessages(new Uint8Array(Buffer.from(dumpReply, "hex"))) : [];
    },
  } as unknown as RtnlHandle;
  const namespaces = { rtnl: () => h, netns: () => h.ns };
  const grant = { ...DEFAULT_LIMITS, linkKinds: LINK_KINDS };
  const ctx = { plugin: "golden", records: [], namespaces, journal: new Journal(false), hostCalls: 0, grant } as unknown as CallContext;
  ctx.scope = new PluginScope(ctx);
  ctx.scope.hold(0, false);
  return { link: createLinkCaps(ctx), neigh: createNeighCaps(ctx), sent };
}

/** Encodes as the socket would (REQUEST, and ACK unless a dump) with the capture's sequence number. */
function wire(req: NlRequest | undefined, iproute2: string): string {
  const seq = Buffer.from(iproute2, "hex").readUInt32LE(8);
  const ack = (req!.flags & NLM_F.DUMP) === NLM_F.DUMP ? 0 : NLM_F.ACK;
  return Buffer.from(encodeRequest({ ...req!, flags: req!.flags | NLM_F.REQUEST | ack }, seq)).toString("hex");
}

const vxlan = (name: string, v: VxlanAttrs): LinkSpec => ({ name, kind: { tag: "vxlan", val: v } });

describe("link.create vxlan sends what iproute2 sends", () => {
  it.each<[string, string, LinkSpec]>([
    ["vxlan", "ip link add vx0 type vxlan id 1 local 10.0.0.1 dev eth0 dstport 8472 nolearning",
      vxlan("vx0", { vni: 1, port: 8472, local: "10.0.0.1", underlay: "eth0", learning: false })],
    ["vxlan6", "ip link add vx6 type vxlan id 16777215 local fd00::1 dev eth0 dstport 4789 learning",
      vxlan("vx6", { vni: 16777215, port: 4789, local: "FD00:0:0::1", underlay: "eth0", learning: true })],
    ["vxlan-any", "ip link add vx1 type vxlan id 42 dstport 4789 learning", vxlan("vx1", { vni: 42, port: 4789, learning: true })],
  ])("%s: `%s`", (label, _command, spec) => {
    const { link, sent } = caps();
    link.create(0, spec);
    expect(sent).toHaveLength(1);
    expect(wire(sent[0], IPROUTE2[label]!)).toBe(IPROUTE2[label]);
  });

  it.each<[string, Partial<VxlanAttrs>, RegExp]>([
    ["a VNI above 16777215", { vni: 16777216 }, /VXLAN VNI 16777216 is out of range \(0-16777215\)/],
    ["a local address that is none", { local: "10.0.0.300" }, /vxlan local address "10\.0\.0\.300" is not an IPv4 or IPv6 address/],
    ["an underlay name the kernel would expand", { underlay: "eth%d" }, /"eth%d" is not a valid interface name/],
  ])("%s is invalid and sends nothing", (_what, bad, msg) => {
    const { link, sent } = caps();
    expect(() => link.create(0, vxlan("vx0", { vni: 1, port: 8472, learning: false, ...bad }))).toThrow(msg);
    expect(sent).toEqual([]);
  });

  it("the kernel's reply to `ip -d link show vx0` reads back as link-info.vxlan (underlay by ifindex)", () => {
    const [msg] = parseMessages(new Uint8Array(Buffer.from(IPROUTE2["vxlan-show-reply"]!, "hex")));
    expect(parseLink(msg!).data).toEqual({ vxlan: { vni: 1, port: 8472, local: "10.0.0.1", underlayIndex: 3, learning: false } });
  });
});

describe("the neigh functions send what `ip neigh` and `bridge fdb` send", () => {
  it.each<[string, string, (n: ReturnType<typeof caps>["neigh"]) => void]>([
    ["neigh-replace", "ip neigh replace 10.244.2.0 lladdr 02:00:00:00:00:0a dev vx0 nud permanent", (n) => n.set(0, "vx0", "10.244.2.0", "02:00:00:00:00:0A")],
    ["neigh-replace6", "ip neigh replace fd00:244:2:: lladdr 02:00:00:00:00:0b dev vx0 nud permanent", (n) => n.set(0, "vx0", "fd00:244:2:0:0::", "02:00:00:00:00:0b")],
    ["neigh-del", "ip neigh del 10.244.2.0 dev vx0", (n) => n.delete(0, "vx0", "10.244.2.0")],
    ["fdb-replace", "bridge fdb replace 02:00:00:00:00:0a dev vx0 dst 10.0.0.2 self permanent", (n) => n.setFdb(0, "vx0", "02:00:00:00:00:0a", "10.0.0.2")],
    ["fdb-replace6", "bridge fdb replace 02:00:00:00:00:0b dev vx0 dst fd00::2 self permanent", (n) => n.setFdb(0, "vx0", "02:00:00:00:00:0b", "fd00:0::2")],
    ["fdb-del", "bridge fdb del 02:00:00:00:00:0a dev vx0 dst 10.0.0.2 self", (n) => n.deleteFdb(0, "vx0", "02:00:00:00:00:0a", "10.0.0.2")],
    ["neigh-show-request", "ip neigh show dev vx0", (n) => n.list(0, "vx0", "all")],
    ["fdb-show-request", "bridge fdb show dev vx0", (n) => n.fdb(0, "vx0")],
  ])("%s: `%s`", (label, _command, call) => {
    // A delete-fdb first reads the link's FDB (the entry must be there): the captured dump has it.
    const { neigh, sent } = caps(IPROUTE2["fdb-show-reply"]);
    call(neigh);
    const mine = sent.filter((r) => label.endsWith("-request") || r.type !== RTM.GETNEIGH);
    expect(mine).toHaveLength(1);
    expect(wire(mine[0], IPROUTE2[label]!)).toBe(IPROUTE2[label]);
  });

  it.each<[string, (n: ReturnType<typeof caps>["neigh"]) => void, RegExp]>([
    ["a neighbour address that is none", (n) => n.set(0, "vx0", "10.244.2", "02:00:00:00:00:0a"), /neighbour address "10\.244\.2" is not an IPv4 or IPv6 address/],
    ["a MAC with dashes", (n) => n.set(0, "vx0", "10.244.2.0", "02-00-00-00-00-0a"), /neighbour MAC "02-00-00-00-00-0a" is not a MAC address/],
    ["an FDB dst with a zone", (n) => n.setFdb(0, "vx0", "02:00:00:00:00:0a", "fe80::1%eth0"), /FDB dst "fe80::1%eth0" is not an IPv4 or IPv6 address/],
    ["a link name with a slash", (n) => n.deleteFdb(0, "a/b", "02:00:00:00:00:0a", "10.0.0.2"), /"a\/b" is not a valid interface name/],
  ])("%s is invalid and sends nothing", (_what, call, msg) => {
    const { neigh, sent } = caps();
    expect(() => call(neigh)).toThrow(msg);
    expect(sent).toEqual([]);
  });

  it("the kernel's neighbour dump reads back per entry: address, MAC, permanent or not", () => {
    const { neigh } = caps(IPROUTE2["neigh-show-reply"]);
    expect(neigh.list(0, "vx0", "all")).toEqual([
      { address: "10.244.2.0", mac: "02:00:00:00:00:0a", permanent: true },
      { address: "fd00:244:2::", mac: "02:00:00:00:00:0b", permanent: true },
      { address: "ff02::16", mac: "33:33:00:00:00:16", permanent: false },
    ]);
    expect(caps(IPROUTE2["neigh-show-reply"]).neigh.list(0, "vx0", "v4")).toEqual([{ address: "10.244.2.0", mac: "02:00:00:00:00:0a", permanent: true }]);
  });

  it("the kernel's FDB dump reads back with its remote underlay address", () => {
    expect(caps(IPROUTE2["fdb-show-reply"]).neigh.fdb(0, "vx0")).toEqual([{ mac: "02:00:00:00:00:0a", dst: "10.0.0.2", permanent: true }]);
  });

  it("entries of another link in a dump are left out (the kernel filters, and so do we)", () => {
    expect(caps(IPROUTE2["fdb-show-reply"]).neigh.fdb(0, "eth0")).toEqual([]);
  });
});
