// rule.add and rule.delete through the cap (the WIT record a plugin sends, converted by
// host/caps/rule.ts and packed by host/kernel/rtnl/rule-msg.ts), byte for byte against what
// iproute2 sends for the same `ip rule` command (iproute2-rules.ts, captured by capture-rules.sh).
import { describe, expect, it } from "vitest";
import type { CallContext } from "../../host/caps/context";
import { Journal } from "../../host/caps/journal";
import { createRuleCaps } from "../../host/caps/rule";
import { PluginScope } from "../../host/caps/scope";
import type { RuleInfo } from "../../host/generated/interfaces/cni-host-rule";
import type { NetnsHandle } from "../../host/kernel/netns";
import { NLM_F } from "../../host/kernel/nl/header";
import { encodeRequest, type NlRequest } from "../../host/kernel/nl/message";
import type { RtnlHandle } from "../../host/kernel/rtnl/handle";
import { DEFAULT_LIMITS } from "../../host/runtime/policy";
import { IPROUTE2_RULES } from "./iproute2-rules";

/** The cap on one namespace (held, not the host's) whose handle records every request. */
function caps() {
  const sent: NlRequest[] = [];
  const h = { ns: { fd: 3 } as NetnsHandle, request: (req: NlRequest) => (sent.push(req), []) } as unknown as RtnlHandle;
  const namespaces = { rtnl: () => h, netns: () => h.ns };
  const ctx = { plugin: "golden", records: [], namespaces, journal: new Journal(false), hostCalls: 0, grant: { ...DEFAULT_LIMITS } } as unknown as CallContext;
  ctx.scope = new PluginScope(ctx);
  ctx.scope.hold(0, false);
  return { rule: createRuleCaps(ctx), sent };
}

/** Encodes as the socket would (REQUEST|ACK added) with the capture's sequence number. */
function wire(req: NlRequest | undefined, iproute2: string): string {
  const seq = Buffer.from(iproute2, "hex").readUInt32LE(8);
  return Buffer.from(encodeRequest({ ...req!, flags: req!.flags | NLM_F.REQUEST | NLM_F.ACK }, seq)).toString("hex");
}

const lookup = (extra: Partial<RuleInfo>): RuleInfo => ({ family: "all", action: "to-table", invert: false, ...extra });

describe("rule.add and rule.delete send what iproute2 sends", () => {
  it.each<[string, string, "add" | "delete", RuleInfo]>([
    ["rule-from", "ip rule add from 10.1.0.2 lookup 100", "add", lookup({ src: "10.1.0.2/32", table: 100 })],
    ["rule-full", "ip rule add pref 1000 from 10.1.0.0/24 to 10.2.0.0/16 iif p0 oif p1 fwmark 0x10/0xff lookup 1000", "add",
      lookup({ priority: 1000, src: "10.1.0.0/24", dst: "10.2.0.0/16", iif: "p0", oif: "p1", fwmark: 0x10, fwmask: 0xff, table: 1000 })],
    ["rule-v6", "ip -6 rule add from fd00::2 lookup 101", "add", lookup({ family: "v6", src: "fd00::2/128", table: 101 })],
    ["rule-not", "ip rule add not pref 500 from 10.9.0.0/16 prohibit", "add",
      { family: "v4", priority: 500, src: "10.9.0.0/16", action: "prohibit", invert: true }],
    ["rule-mark", "ip rule add fwmark 0x20 lookup 102", "add", lookup({ family: "v4", fwmark: 0x20, table: 102 })],
    ["rule-del", "ip rule del from 10.1.0.2 lookup 100", "delete", lookup({ src: "10.1.0.2/32", table: 100 })],
    ["rule-del-pref", "ip -6 rule del pref 1000 from fd00::2 lookup 101", "delete", lookup({ family: "v6", priority: 1000, src: "fd00::2/128", table: 101 })],
  ])("%s: `%s`", (label, _command, op, r) => {
    const { rule, sent } = caps();
    rule[op](0, r);
    expect(sent).toHaveLength(1);
    expect(wire(sent[0], IPROUTE2_RULES[label]!)).toBe(IPROUTE2_RULES[label]);
  });

  it.each<[string, RuleInfo, RegExp]>([
    ["no family", lookup({ table: 100 }), /family "all" needs src or dst/],
    ["a bad prefix", lookup({ src: "10.1.0.300/32" }), /rule src "10.1.0.300\/32" is not a CIDR/],
    ["mixed families", lookup({ src: "10.1.0.2/32", dst: "fd00::/64" }), /must be of the rule's family/],
    ["a link name the kernel would expand", lookup({ family: "v4", iif: "eth%d" }), /"eth%d" is not a valid interface name/],
    ["fwmask without fwmark", lookup({ family: "v4", fwmask: 0xff }), /fwmask 0xff needs an fwmark/],
    ["a table on a blackhole rule", { family: "v4", action: "blackhole", table: 100, invert: false }, /a blackhole rule has no table/],
    ["table 0", lookup({ family: "v4", table: 0 }), /table 0 is no table/],
  ])("%s is invalid and sends nothing", (_what, r, message) => {
    const { rule, sent } = caps();
    expect(() => rule.add(0, r)).toThrow(message);
    expect(sent).toEqual([]);
  });
});
