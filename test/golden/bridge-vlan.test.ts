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
import type { RtnlHandle } from "../../host/kernel/rtnl/handle";
import { RTM } from "../../host/kernel/rtnl/message-types";
import { PluginScope } from "../../host/caps/scope";
import { DEFAULT_LIMITS, LINK_KINDS } from "../../host/runtime/policy";
import { GET_LINK_VETH } from "../unit/kernel/nl/captures";
import { IPROUTE2_BRIDGE_VLAN as IPROUTE2 } from "./iproute2-bridge-vlan";

const PORT_INDEX = 4; // p0 in the capture

/** The link cap over one held namespace where every lookup finds ifindex 4; returns what else it sent. */
function caps(journal = new Journal(false)) {
  const sent: NlRequest[] = [];
  const bytes = Buffer.from(GET_LINK_VETH.datagrams[0]!, "hex");
  bytes.writeInt32LE(PORT_INDEX, 20);
  const h = {
    ns: { fd: 3 },
    request: (req: NlRequest) => {
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
