// link.add-port-vlans and link.remove-port-vlans through the cap (the WIT records a plugin
// sends, converted by host/caps/link.ts and packed by host/kernel/rtnl/bridge-vlan.ts), byte
// for byte against what `bridge vlan add|del` sends (iproute2-bridge-vlan.ts, captured by
// capture-bridge-vlan.sh). This kernel has no bridge VLAN filtering, so this is the only check
// of these requests here.
import { describe, expect, it } from "vitest";
import type { CallContext } from "../../host/caps/context";
import { Journal } from "../../host/caps/journal";
import { createLinkCaps } from "../../host/caps/link";
import type { PortVlan } from "../../host/generated/interfaces/cni-host-link";
import { NLM_F } from "../../host/kernel/nl/header";
import { encodeRequest, type NlRequest, parseMessages } from "../../host/kernel/nl/message";
import { parseBridgeVlans } from "../../host/kernel/rtnl/bridge-vlan";
import type { RtnlHandle } from "../../host/kernel/rtnl/handle";
import { RTM } from "../../host/kernel/rtnl/message-types";
import { PluginScope } from "../../host/caps/scope";
import { DEFAULT_LIMITS, LINK_KINDS } from "../../host/runtime/policy";
import { GET_LINK_VETH } from "../unit/kernel/nl/captures";
import { IPROUTE2_BRIDGE_VLAN as IPROUTE2 } from "./iproute2-bridge-vlan";

const PORT_INDEX = 4; // p0 in the capture

/** The link cap over one held namespace where every lookup finds ifindex 4; returns what else it sent. */
function caps(journal = new Journal(false), dumpReply = "") {
  const sent: NlRequest[] = [];
  const bytes = Buffer.from(GET_LINK_VETH.datagrams[0]!, "hex");
  bytes.writeInt32LE(PORT_INDEX, 20);
  const h = {
    ns: { fd: 3 },
    request: (req: NlRequest) => {
      if (req.type === RTM.GETLINK && (req.flags & NLM_F.DUMP) === NLM_F.DUMP) {
        sent.push(req);
        return parseMessages(new Uint8Array(Buffer.from(dumpReply, "hex")));
      }
      if (req.type === RTM.GETLINK) return parseMessages(new Uint8Array(bytes));
      sent.push(req);
      return [];
    },
  } as unknown as RtnlHandle;
  const namespaces = { rtnl: () => h, netns: () => h.ns };
  const grant = { ...DEFAULT_LIMITS, linkKinds: LINK_KINDS };
  const ctx = { plugin: "golden", records: [], namespaces, journal, hostCalls: 0, grant } as unknown as CallContext;
  ctx.scope = new PluginScope(ctx);
  ctx.scope.hold(0, false);
  return { link: createLinkCaps(ctx), sent, ctx };
}

/** Encodes as the socket would (REQUEST|ACK added) with the capture's sequence number. */
function wire(req: NlRequest | undefined, iproute2: string): string {
  const seq = Buffer.from(iproute2, "hex").readUInt32LE(8);
  return Buffer.from(encodeRequest({ ...req!, flags: req!.flags | NLM_F.REQUEST | NLM_F.ACK }, seq)).toString("hex");
}

const vlan = (id: number, extra: Partial<PortVlan> = {}): PortVlan => ({ id, pvid: false, untagged: false, ...extra });

describe("link.add-port-vlans and link.remove-port-vlans send what `bridge vlan` sends", () => {
  it.each<[string, string, "add" | "remove", PortVlan]>([
    ["pvid-untagged", "bridge vlan add dev p0 vid 100 pvid untagged", "add", vlan(100, { pvid: true, untagged: true })],
    ["tagged", "bridge vlan add dev p0 vid 200", "add", vlan(200)],
    ["trunk-range", "bridge vlan add dev p0 vid 300-399", "add", vlan(300, { last: 399 })],
    ["del-default", "bridge vlan del dev p0 vid 1", "remove", vlan(1)],
    ["del-pvid", "bridge vlan del dev p0 vid 100 pvid untagged", "remove", vlan(100, { pvid: true, untagged: true })],
    ["del-range", "bridge vlan del dev p0 vid 300-399", "remove", vlan(300, { last: 399 })],
  ])("%s: `%s`", (label, _command, verb, v) => {
    const { link, sent } = caps();
    (verb === "add" ? link.addPortVlans : link.removePortVlans)(0, "p0", [v]);
    expect(sent).toHaveLength(1);
    expect(wire(sent[0], IPROUTE2[label]!)).toBe(IPROUTE2[label]);
  });

  it("one request per entry, in order", () => {
    const { link, sent } = caps();
    link.addPortVlans(0, "p0", [vlan(200), vlan(300, { last: 399 })]);
    expect(sent.map((r) => wire(r, IPROUTE2.tagged!))).toEqual([IPROUTE2.tagged, IPROUTE2["trunk-range"]]);
  });

  it.each<[string, PortVlan, RegExp]>([
    ["id 0", vlan(0), /VLAN id 0 is out of range \(1-4094\)/],
    ["id 4095", vlan(4095), /VLAN id 4095 is out of range/],
    ["a range ending above 4094", vlan(4000, { last: 4095 }), /VLAN id 4095 is out of range/],
    ["a range ending below its start", vlan(300, { last: 200 }), /must end above its start/],
    ["a range as the PVID", vlan(300, { last: 399, pvid: true }), /cannot be the PVID/],
  ])("%s is invalid and nothing is sent, not even the valid entries before it", (_what, bad, message) => {
    const { link, sent } = caps();
    expect(() => link.addPortVlans(0, "p0", [vlan(200), bad])).toThrow(message);
    expect(sent).toEqual([]);
  });

  it("within an ADD, rollback takes back the added PVID, then adds back the removed VLAN 1 (newest first)", () => {
    const { link, sent, ctx } = caps(new Journal(true));
    link.removePortVlans(0, "p0", [vlan(1)]);
    link.addPortVlans(0, "p0", [vlan(100, { pvid: true, untagged: true })]);
    sent.length = 0;
    ctx.journal.rollback([]);
    const asType = (hex: string, type: number) => hex.slice(0, 8) + type.toString(16).padStart(2, "0") + hex.slice(10);
    expect(sent.map((r) => wire(r, IPROUTE2["del-pvid"]!))).toEqual([
      IPROUTE2["del-pvid"], // `bridge vlan del dev p0 vid 100 pvid untagged`
      asType(IPROUTE2["del-default"]!, RTM.SETLINK), // `bridge vlan add dev p0 vid 1`
    ]);
  });
});

/**
 * A reply for port p0 (ifindex 4) as a kernel with VLAN filtering sends it, built by hand from
 * the documented layout, since this kernel keeps no VLANs (its reply has no IFLA_AF_SPEC): the
 * captured p0 message with IFLA_AF_SPEC (26) appended, holding IFLA_BRIDGE_VLAN_INFO (2)
 * entries of struct bridge_vlan_info { u16 flags; u16 vid } (linux/if_bridge.h).
 */
function replyWithVlans(): string {
  const captured = Buffer.from(IPROUTE2["show-reply"]!, "hex");
  const p0 = captured.subarray(captured.readUInt32LE(0)); // the second message: p0
  const info = (flags: number, vid: number) => "08000200" + u16(flags) + u16(vid);
  const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]).toString("hex");
  const entries = [
    info(0x0006, 100), // PVID | UNTAGGED: the access VLAN
    info(0x0000, 200), // tagged
    info(0x0008, 300), // RANGE_BEGIN (a compressed dump)
    info(0x0010, 399), // RANGE_END
  ].join("");
  const spec = Buffer.from(u16(4 + entries.length / 2) + "1a00" + entries, "hex");
  const msg = Buffer.concat([p0.subarray(0, p0.readUInt32LE(0)), spec]);
  msg.writeUInt32LE(msg.length, 0);
  return msg.toString("hex");
}

describe("link.port-vlans sends what `bridge vlan show` sends and reads its reply", () => {
  it("the request is iproute2's AF_BRIDGE link dump with IFLA_EXT_MASK RTEXT_FILTER_BRVLAN", () => {
    const { link, sent } = caps(new Journal(false), IPROUTE2["show-reply"]);
    link.portVlans(0, "p0");
    expect(sent).toHaveLength(1);
    const want = IPROUTE2["show-request"]!;
    const seq = Buffer.from(want, "hex").readUInt32LE(8);
    // A dump is not acked: REQUEST only, as the socket sends it.
    expect(Buffer.from(encodeRequest({ ...sent[0]!, flags: sent[0]!.flags | NLM_F.REQUEST }, seq)).toString("hex")).toBe(want);
  });

  it("this kernel's captured reply (no VLAN filtering, no IFLA_AF_SPEC) gives p0 no VLANs", () => {
    const msgs = parseMessages(new Uint8Array(Buffer.from(IPROUTE2["show-reply"]!, "hex")));
    expect(msgs.map(parseBridgeVlans)).toEqual([{ index: 2, vlans: [] }, { index: 4, vlans: [] }]);
    expect(caps(new Journal(false), IPROUTE2["show-reply"]).link.portVlans(0, "p0")).toEqual([]);
  });

  it("a reply with IFLA_BRIDGE_VLAN_INFO entries (built from the documented layout) gives the PVID, a tagged VLAN and a range", () => {
    const { link } = caps(new Journal(false), IPROUTE2["show-reply"]!.slice(0, 0x4c * 2) + replyWithVlans());
    expect(link.portVlans(0, "p0")).toEqual([
      { id: 100, pvid: true, untagged: true },
      { id: 200, pvid: false, untagged: false },
      { id: 300, last: 399, pvid: false, untagged: false },
    ]);
  });
});
