// Policy routing rule operations (like netlink's rule_linux.go): add, delete, list.
import { NLM_F } from "../nl/header";
import type { RtnlHandle } from "./handle";
import type { IpFamily } from "./inet";
import { RTM } from "./message-types";
import { FR_ACT, fibRuleHdr, parseRule, type Rule, ruleAttrs } from "./rule-msg";

export type { Rule } from "./rule-msg";
export { FR_ACT } from "./rule-msg";

/** "pref 100 from 10.1.0.2/32 lookup 100": what error messages call a rule. */
export function describeRule(r: Rule): string {
  const action = r.action === FR_ACT.TO_TBL ? `lookup ${r.table ?? "main"}` : (Object.entries(FR_ACT).find(([, v]) => v === r.action)?.[0] ?? `action ${r.action}`).toLowerCase();
  return [
    r.invert && "not",
    r.priority !== undefined && `pref ${r.priority}`,
    `from ${r.src ?? "all"}`,
    r.dst !== undefined && `to ${r.dst}`,
    r.iif !== undefined && `iif ${r.iif}`,
    r.oif !== undefined && `oif ${r.oif}`,
    r.fwmark !== undefined && `fwmark 0x${r.fwmark.toString(16)}${r.fwmask !== undefined ? `/0x${r.fwmask.toString(16)}` : ""}`,
    action,
  ].filter(Boolean).join(" ");
}

/** EEXIST when the same rule is there. Equivalent to: `ip rule add [not] [pref] [from] [to] [iif] [oif] [fwmark/mask] lookup $t|blackhole|...` */
export function ruleAdd(h: RtnlHandle, r: Rule): void {
  h.request({ type: RTM.NEWRULE, flags: NLM_F.CREATE | NLM_F.EXCL, body: fibRuleHdr(r, r.action), attrs: ruleAttrs(r) }, `add rule ${describeRule(r)}`);
}

/**
 * ENOENT when no rule matches. A lookup rule is matched whatever its action, as iproute2 sends
 * it (FR_ACT_UNSPEC); a table of 0 matches any. Equivalent to: `ip rule del ...`
 */
export function ruleDel(h: RtnlHandle, r: Rule): void {
  const action = r.action === FR_ACT.TO_TBL ? FR_ACT.UNSPEC : r.action;
  h.request({ type: RTM.DELRULE, flags: 0, body: fibRuleHdr(r, action), attrs: ruleAttrs(r) }, `delete rule ${describeRule(r)}`);
}

/** Adds a listed rule back as the kernel reported it (Rule.raw), every attribute included. */
export function ruleRestore(h: RtnlHandle, r: Rule): void {
  if (r.raw === undefined) throw new Error(`rule ${describeRule(r)} was not listed: nothing to restore it from`);
  h.request({ type: RTM.NEWRULE, flags: NLM_F.CREATE | NLM_F.EXCL, body: r.raw, attrs: [] }, `restore rule ${describeRule(r)}`);
}

/** Equivalent to: `ip [-4|-6] rule show` */
export function ruleList(h: RtnlHandle, family?: IpFamily): Rule[] {
  const families: IpFamily[] = family ? [family] : [4, 6];
  return families.flatMap((f) => {
    const body = fibRuleHdr({ family: f, action: 0 }, 0);
    const msgs = h.request({ type: RTM.GETRULE, flags: NLM_F.DUMP, body, attrs: [] }, `list ipv${f} rules`);
    return msgs.filter((m) => m.header.type === RTM.NEWRULE).map(parseRule).filter((r): r is Rule => r !== undefined);
  });
}
