// link.create and link.set through the cap (the WIT record a plugin sends, converted by
// host/caps/link.ts and packed by host/kernel/rtnl), byte for byte against what iproute2 sends
// for the same command (iproute2-link-kinds.ts, captured by capture-link-kinds.sh). This
// kernel has no ipvlan, vlan, dummy or vrf, so for those kinds this is the only check of the request.
import { describe, expect, it } from "vitest";
import type { CallContext } from "../../host/caps/context";
import { Journal } from "../../host/caps/journal";
import { createLinkCaps } from "../../host/caps/link";
import type { LinkChange, LinkKind, LinkSpec } from "../../host/generated/interfaces/cni-host-link";
import { LinkNotFoundError } from "../../host/kernel/errors";
import type { NetnsHandle } from "../../host/kernel/netns";
import { NLM_F } from "../../host/kernel/nl/header";
import { encodeRequest, type NlRequest, parseMessages } from "../../host/kernel/nl/message";
import type { RtnlHandle } from "../../host/kernel/rtnl/handle";
import { RTM } from "../../host/kernel/rtnl/message-types";
import { PluginScope } from "../../host/caps/scope";
import { DEFAULT_LIMITS, LINK_KINDS } from "../../host/runtime/policy";
import { GET_LINK_VETH } from "../unit/kernel/nl/captures";
import { IPROUTE2 } from "./iproute2-link-kinds";

/** A link reply (the captured veth0, down) with its ifindex set to `index`. */
function linkReply(index: number) {
  const bytes = Buffer.from(GET_LINK_VETH.datagrams[0]!, "hex");
  bytes.writeInt32LE(index, 20); // nlmsghdr (16) + ifi_family, pad, ifi_type (4)
  return parseMessages(new Uint8Array(bytes));
}

/**
 * Two namespaces as the cap sees them: 0 the call's "host" (where p0 is ifindex 3), 1 the
 * container (`netns c`, fd 4 as in the capture). Lookups of a link answer with `index`, but
 * the first lookup of a name listed in `missingInC` in the container finds nothing (the
 * check link.set makes before a move). Returns every request but the lookups.
 */
function caps(index: Record<string, number> = {}, missingInC: string[] = []) {
  const sent: NlRequest[] = [];
  const handle = (fd: number): RtnlHandle => ({
    ns: { fd } as NetnsHandle,
    request: (req: NlRequest) => {
      const name = nameOf(req);
      if (req.type === RTM.GETLINK && fd === 4 && missingInC.includes(name)) {
        missingInC.splice(missingInC.indexOf(name), 1);
        throw new LinkNotFoundError(`get link ${name}`, name);
      }
      if (req.type === RTM.GETLINK) return linkReply(index[name] ?? 3);
      sent.push(req);
      return [];
    },
  }) as unknown as RtnlHandle;
  const handles = [handle(3), handle(4)];
  const namespaces = { rtnl: (id: number) => handles[id]!, netns: (id: number) => handles[id]!.ns };
  const grant = { ...DEFAULT_LIMITS, linkKinds: LINK_KINDS };
  const ctx = { plugin: "golden", records: [], namespaces, journal: new Journal(false), hostCalls: 0, grant } as unknown as CallContext;
  // Both held, neither the real host netns: the requests are those of the kind, without owner marks.
  ctx.scope = new PluginScope(ctx);
  ctx.scope.hold(0, false);
  ctx.scope.hold(1, false);
  return { link: createLinkCaps(ctx), sent, scope: ctx.scope };
}

/** The IFLA_IFNAME of a lookup request ("" for a lookup by index). */
function nameOf(req: NlRequest): string {
  const a = req.attrs.find((x) => x.type === 3);
  return a ? Buffer.from(a.data).toString().replace(/\0+$/, "") : "";
}

/** Encodes as the socket would (REQUEST|ACK added) with the capture's sequence number. */
function wire(req: NlRequest | undefined, iproute2: string): string {
  const seq = Buffer.from(iproute2, "hex").readUInt32LE(8);
  return Buffer.from(encodeRequest({ ...req!, flags: req!.flags | NLM_F.REQUEST | NLM_F.ACK }, seq)).toString("hex");
}

const spec = (name: string, kind: LinkKind, extra: Partial<LinkSpec> = {}): LinkSpec => ({ name, kind, ...extra });
const HOST = 0, C = 1;
const P0 = { parent: "p0", parentNs: HOST } as const;

describe("link.create sends what iproute2 sends", () => {
  // [capture, iproute2's command, the namespace create is called with, the spec]
  it.each<[string, string, number, LinkSpec]>([
    ["macvlan", "ip link add link p0 name mv0 type macvlan mode bridge", HOST, spec("mv0", { tag: "macvlan", val: { ...P0, mode: "bridge" } })],
    ["macvlan-netns", "ip link add link p0 name eth0 mtu 1400 address 02:00:00:00:00:03 netns c type macvlan mode private", C,
      spec("eth0", { tag: "macvlan", val: { ...P0, mode: "private" } }, { mtu: 1400, mac: "02:00:00:00:00:03" })],
    ["macvlan-bcqueuelen", "ip link add link p0 name mv1 type macvlan mode vepa bcqueuelen 100", HOST,
      spec("mv1", { tag: "macvlan", val: { ...P0, mode: "vepa", bcQueueLen: 100 } })],
    ["macvlan-passthru", "ip link add link p0 name mv2 type macvlan mode passthru", HOST, spec("mv2", { tag: "macvlan", val: { ...P0, mode: "passthru" } })],
    ["macvlan-source", "ip link add link p0 name mv3 type macvlan mode source", HOST, spec("mv3", { tag: "macvlan", val: { ...P0, mode: "source" } })],
    ["ipvlan", "ip link add link p0 name ipv0 type ipvlan mode l3 private", HOST,
      spec("ipv0", { tag: "ipvlan", val: { ...P0, mode: "l3", isolation: "private" } })],
    ["ipvlan-netns", "ip link add link p0 name ipv1 mtu 1400 netns c type ipvlan mode l2 bridge", C,
      spec("ipv1", { tag: "ipvlan", val: { ...P0, mode: "l2", isolation: "bridge" } }, { mtu: 1400 })],
    ["ipvlan-l3s", "ip link add link p0 name ipv2 type ipvlan mode l3s vepa", HOST,
      spec("ipv2", { tag: "ipvlan", val: { ...P0, mode: "l3s", isolation: "vepa" } })],
    ["vlan", "ip link add link p0 name p0.100 type vlan id 100", HOST, spec("p0.100", { tag: "vlan", val: { ...P0, id: 100 } })],
    ["vlan-netns", "ip link add link p0 name eth1 mtu 1400 netns c type vlan id 4094", C,
      spec("eth1", { tag: "vlan", val: { ...P0, id: 4094 } }, { mtu: 1400 })],
    ["dummy", "ip link add d0 type dummy", HOST, spec("d0", { tag: "dummy" })],
    ["dummy-in-c", "ip -n c link add d1 mtu 1400 address 02:00:00:00:00:04 type dummy", C,
      spec("d1", { tag: "dummy" }, { mtu: 1400, mac: "02:00:00:00:00:04" })],
    ["vrf", "ip link add v0 type vrf table 10", HOST, spec("v0", { tag: "vrf", val: { table: 10 } })],
    ["vrf-big", "ip -n c link add v1 type vrf table 1000", C, spec("v1", { tag: "vrf", val: { table: 1000 } })],
  ])("%s: `%s`", (label, _command, ns, s) => {
    const { link, sent } = caps();
    link.create(ns, s);
    expect(sent).toHaveLength(1);
    expect(wire(sent[0], IPROUTE2[label]!)).toBe(IPROUTE2[label]);
  });

  it.each([0, 254, 255])("a VRF on table %d is invalid and sends nothing", (table) => {
    const { link, sent } = caps();
    expect(() => link.create(C, spec("v", { tag: "vrf", val: { table } }))).toThrow(new RegExp(`VRF table ${table} is not allowed`));
    expect(sent).toEqual([]);
  });

  it("a VLAN id above 4094 is invalid and sends nothing", () => {
    const { link, sent } = caps();
    expect(() => link.create(C, spec("v", { tag: "vlan", val: { ...P0, id: 4095 } }))).toThrow(/VLAN id 4095 is out of range/);
    expect(sent).toEqual([]);
  });
});

/** The same request under another nlmsg_type: iproute2 sends `ip link set` as RTM_NEWLINK, we as RTM_SETLINK. */
function asNewLink(hex: string): string {
  return hex.slice(0, 8) + "1000" + hex.slice(12);
}

describe("link.set with netns and name sends what iproute2 sends (as RTM_SETLINK)", () => {
  const none: LinkChange = {};
  it("`ip link set dev mvx netns c`: one request, IFLA_NET_NS_FD", () => {
    const { link, sent } = caps({ mvx: 7 }, ["mvx"]);
    link.set(HOST, "mvx", { ...none, netns: C });
    expect(sent.map((r) => r.type)).toEqual([RTM.SETLINK]);
    expect(asNewLink(wire(sent[0], IPROUTE2["set-netns"]!))).toBe(IPROUTE2["set-netns"]);
  });

  it("a move whose name is taken in the target namespace fails with exists and sends nothing", () => {
    const { link, sent } = caps({ mvx: 7 });
    expect(() => link.set(HOST, "mvx", { ...none, netns: C, name: "eth0" })).toThrow(/a link eth0 is there already/);
    expect(sent).toEqual([]);
  });

  it("`ip link set dev mvz name eth9`: one request, IFLA_IFNAME (the link is down, so no down first)", () => {
    const { link, sent } = caps({ mvz: 8 });
    link.set(HOST, "mvz", { ...none, name: "eth9" });
    expect(sent).toHaveLength(1);
    expect(asNewLink(wire(sent[0], IPROUTE2["set-name"]!))).toBe(IPROUTE2["set-name"]);
  });
});

describe("link.set of promisc, allmulti and txqlen sends what iproute2 sends (as RTM_SETLINK), one request each", () => {
  it.each<[string, string, LinkChange]>([
    ["set-promisc", "ip link set dev p0 promisc on", { promisc: true }],
    ["set-allmulti", "ip link set dev p0 allmulticast on", { allmulti: true }],
    ["set-allmulti-off", "ip link set dev p0 allmulticast off", { allmulti: false }],
    ["set-txqlen", "ip link set dev p0 txqueuelen 500", { txqlen: 500 }],
  ])("%s: `%s`", (label, _command, change) => {
    const { link, sent } = caps({ p0: 3 });
    link.set(HOST, "p0", change);
    expect(sent).toHaveLength(1);
    expect(asNewLink(wire(sent[0], IPROUTE2[label]!))).toBe(IPROUTE2[label]);
  });

  it("the scope rules hold for them: in the host netns a link out of scope is denied and nothing is sent", () => {
    const { link, sent, scope } = caps({ p0: 3 });
    scope.hold(HOST, true);
    expect(() => link.set(HOST, "p0", { allmulti: true, txqlen: 5 })).toThrow(/may not change host link p0/);
    expect(sent).toEqual([]);
  });
});

