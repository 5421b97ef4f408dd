import type * as RuleCaps from "../generated/interfaces/cni-host-rule";
import type { Family } from "../generated/interfaces/cni-host-types";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { type IpFamily, parseCidr } from "../kernel/rtnl/inet";
import { RT_TABLE } from "../kernel/rtnl/route";
import { describeRule, FR_ACT, type Rule, ruleAdd, ruleDel, ruleList, ruleRestore } from "../kernel/rtnl/rule";
import { Errno, KernelError } from "../kernel/errors";
import { ipFamily } from "./addr";
import { type CallContext, hostCall } from "./context";
import { invalid } from "./errors";
import { checkLinkName } from "./link";
import { scopeOf } from "./scope";

const ACTIONS: Record<RuleCaps.RuleAction, number> = {
  "to-table": FR_ACT.TO_TBL,
  blackhole: FR_ACT.BLACKHOLE,
  unreachable: FR_ACT.UNREACHABLE,
  prohibit: FR_ACT.PROHIBIT,
};

/** Tables no rule may name: 0 is "unspecified" to the kernel. */
const TABLE_UNSPEC = 0;

/** The family of a prefix the plugin passed; invalid when it is no CIDR. */
function prefixFamily(field: string, cidr: string): IpFamily {
  try {
    return parseCidr(cidr).family;
  } catch {
    throw invalid(`rule ${field} ${JSON.stringify(cidr)} is not a CIDR such as "10.1.0.2/32" or "fd00::/64"`);
  }
}

/**
 * WIT rule → kernel rule, every field checked before any kernel call. `adding`: a lookup
 * without a table is main (254), as `ip rule add` has it; on delete it matches any table.
 */
function toKernel(r: RuleCaps.RuleInfo, adding: boolean): Rule {
  const families = [r.src && prefixFamily("src", r.src), r.dst && prefixFamily("dst", r.dst)].filter((f): f is IpFamily => !!f);
  const family = ipFamily(r.family) ?? families[0];
  if (family === undefined) throw invalid('a rule of family "all" needs src or dst, which give its family');
  if (families.some((f) => f !== family)) throw invalid(`rule src and dst must be of the rule's family (IPv${family})`);
  if (r.iif !== undefined) checkLinkName(r.iif);
  if (r.oif !== undefined) checkLinkName(r.oif);
  if (r.fwmask !== undefined && r.fwmark === undefined) throw invalid(`rule fwmask 0x${r.fwmask.toString(16)} needs an fwmark`);
  const toTable = r.action === "to-table";
  if (!toTable && r.table !== undefined) throw invalid(`a ${r.action} rule has no table (table ${r.table} given)`);
  if (r.table === TABLE_UNSPEC) throw invalid("rule table 0 is no table (leave it out for main on add, any on delete)");
  const table = toTable ? (r.table ?? (adding ? RT_TABLE.MAIN : undefined)) : undefined;
  return {
    family,
    ...(r.priority !== undefined && { priority: r.priority }),
    ...(r.src !== undefined && { src: r.src }),
    ...(r.dst !== undefined && { dst: r.dst }),
    ...(r.iif !== undefined && { iif: r.iif }),
    ...(r.oif !== undefined && { oif: r.oif }),
    ...(r.fwmark !== undefined && { fwmark: r.fwmark }),
    ...(r.fwmask !== undefined && { fwmask: r.fwmask }),
    ...(table !== undefined && { table }),
    action: ACTIONS[r.action],
    ...(r.invert && { invert: true }),
  };
}

/** A listed rule as WIT has it; undefined for an action WIT does not name (goto, nop). */
function fromKernel(r: Rule): RuleCaps.RuleInfo | undefined {
  const action = (Object.keys(ACTIONS) as RuleCaps.RuleAction[]).find((a) => ACTIONS[a] === r.action);
  if (action === undefined) return undefined;
  return {
    family: r.family === 4 ? "v4" : "v6",
    ...(r.priority !== undefined && { priority: r.priority }),
    ...(r.src !== undefined && { src: r.src }),
    ...(r.dst !== undefined && { dst: r.dst }),
    ...(r.iif !== undefined && { iif: r.iif }),
    ...(r.oif !== undefined && { oif: r.oif }),
    ...(r.fwmark !== undefined && { fwmark: r.fwmark }),
    ...(r.fwmask !== undefined && { fwmask: r.fwmask }),
    ...(action === "to-table" && r.table !== undefined && { table: r.table }),
    action,
    invert: r.invert === true,
  };
}

/**
 * How to put the rule list back after an add or delete: the rules it gained go (by their exact
 * priority), the rules it lost come back exactly as the kernel listed them. Compared before and
 * after, because the kernel, not the request, picks a priority and which rule a delete matched.
 */
export function ruleListUndo(h: () => RtnlHandle, before: Rule[], after: Rule[]): () => void {
  const key = (r: Rule): string => Buffer.from(r.raw ?? []).toString("hex");
  const was = new Set(before.map(key)), is = new Set(after.map(key));
  const gained = after.filter((r) => !was.has(key(r)));
  const lost = before.filter((r) => !is.has(key(r)));
  return () => {
    for (const r of gained) {
      try {
        ruleDel(h(), r);
      } catch (e) {
        if (!(e instanceof KernelError && e.errno === Errno.ENOENT)) throw e; // gone already
      }
    }
    for (const r of lost) ruleRestore(h(), r);
  };
}

/** cni:host/rule — policy routing rules of the namespaces the plugin holds (host rules: scope.ts requireHostRule). */
export function createRuleCaps(ctx: CallContext): typeof RuleCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);
  /** An add or delete; within an ADD the journal records how to put the rules back (two more dumps). */
  const change = (ns: number, fn: string, r: RuleCaps.RuleInfo, adding: boolean): void => {
    const rule = toKernel(r, adding);
    scope.requireHostRule(ns, {
      describe: describeRule(rule), toTable: rule.action === FR_ACT.TO_TBL, invert: r.invert,
      ...(rule.table !== undefined && { table: rule.table }), ...(r.src !== undefined && { src: r.src }),
      ...(r.iif !== undefined && { iif: r.iif }), ...(r.oif !== undefined && { oif: r.oif }),
    }, adding ? "add" : "delete");
    const before = ctx.journal.enabled ? ruleList(rtnl(ns), rule.family) : undefined;
    (adding ? ruleAdd : ruleDel)(rtnl(ns), rule);
    if (before) ctx.journal.record(`${fn} ${describeRule(rule)} (ns ${ns})`, ruleListUndo(() => rtnl(ns), before, ruleList(rtnl(ns), rule.family)));
  };
  return {
    list: hostCall(ctx, "rule.list", (ns: number, family: Family) => {
      return ruleList(rtnl(ns), ipFamily(family)).map(fromKernel).filter((r): r is RuleCaps.RuleInfo => r !== undefined);
    }),
    add: hostCall(ctx, "rule.add", (ns: number, r: RuleCaps.RuleInfo) => change(ns, "rule.add", r, true)),
    delete: hostCall(ctx, "rule.delete", (ns: number, r: RuleCaps.RuleInfo) => change(ns, "rule.delete", r, false)),
  };
}
