import type * as RuleCaps from "../generated/interfaces/cni-host-rule";
import type { Family } from "../generated/interfaces/cni-host-types";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { type Cidr, formatCidr, type IpFamily, parseCidr } from "../kernel/rtnl/inet";
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
  return prefix(field, cidr).family;
}

/** A prefix the plugin passed, written as the kernel lists it ("fd00:0::2/128" → "fd00::2/128"). */
function canonical(field: string, cidr: string): string {
  const c = prefix(field, cidr);
  return formatCidr(c.bytes, c.prefix);
}

function prefix(field: string, cidr: string): Cidr {
  try {
    return parseCidr(cidr);
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
    ...(r.src !== undefined && { src: canonical("src", r.src) }),
    ...(r.dst !== undefined && { dst: canonical("dst", r.dst) }),
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

/** A rule's selectors, action and table (everything a delete can name but the priority), as a key. */
function selectorKey(r: Rule): string {
  // The kernel keeps a mark without a mask as mask 0xffffffff.
  const fwmask = r.fwmark ? (r.fwmask ?? 0xffffffff) : r.fwmask;
  return JSON.stringify([r.family, r.src, r.dst, r.iif, r.oif, r.fwmark, fwmask, r.action === FR_ACT.TO_TBL ? r.table : 0, r.action, r.invert === true]);
}

const rawKey = (r: Rule): string => Buffer.from(r.raw ?? []).toString("hex");

/** True when delete request `spec` matches listed rule `r` as the kernel decides it (fields given must match; no table: any). */
function deleteMatches(spec: Rule, r: Rule): boolean {
  const given = <K extends keyof Rule>(k: K): boolean => spec[k] === undefined || spec[k] === r[k];
  return spec.family === r.family && given("priority") && given("src") && given("dst") && given("iif") && given("oif") &&
    given("fwmark") && given("fwmask") && given("table") && (spec.action === FR_ACT.TO_TBL || spec.action === r.action) &&
    (spec.invert === true) === (r.invert === true);
}

/**
 * What one call changed in the rules of one namespace, to put back when its ADD fails. Linear
 * in the rules, however many calls the plugin makes: one dump at the first change (the
 * snapshot) and one at the rollback. The rollback takes out, for each rule added, one rule of
 * its selectors (and priority, when it gave one) that was not in the snapshot, and puts back,
 * exactly as the kernel listed it, each rule of the snapshot that is gone and matches a delete
 * of this call: never a rule someone else added or removed meanwhile.
 */
export class RuleJournal {
  private readonly snapshot: Map<string, Rule>;
  private readonly added: Rule[] = [];
  private readonly deleted: Rule[] = [];

  constructor(private readonly h: () => RtnlHandle) {
    this.snapshot = new Map(ruleList(h()).map((r) => [rawKey(r), r]));
  }

  add(r: Rule): void {
    this.added.push(r);
  }

  delete(r: Rule): void {
    this.deleted.push(r);
  }

  rollback(): void {
    const now = ruleList(this.h());
    const ours = now.filter((r) => !this.snapshot.has(rawKey(r)));
    const buckets = new Map<string, Rule[]>();
    for (const r of ours) {
      for (const k of [selectorKey(r), `${selectorKey(r)}@${r.priority}`]) {
        const b = buckets.get(k);
        if (b) b.push(r);
        else buckets.set(k, [r]);
      }
    }
    const taken = new Set<string>();
    for (const spec of this.added.reverse()) {
      const bucket = buckets.get(spec.priority === undefined ? selectorKey(spec) : `${selectorKey(spec)}@${spec.priority}`) ?? [];
      let r = bucket.pop();
      while (r !== undefined && taken.has(rawKey(r))) r = bucket.pop();
      if (r === undefined) continue; // gone already
      taken.add(rawKey(r));
      try {
        ruleDel(this.h(), r);
      } catch (e) {
        if (!(e instanceof KernelError && e.errno === Errno.ENOENT)) throw e;
      }
    }
    const present = new Set(now.map(rawKey));
    const lost = [...this.snapshot.entries()].filter(([k, r]) => !present.has(k) && this.deleted.some((d) => deleteMatches(d, r)));
    for (const [, r] of lost) ruleRestore(this.h(), r);
  }
}

/** cni:host/rule — policy routing rules of the namespaces the plugin holds (host rules: scope.ts requireHostRule). */
export function createRuleCaps(ctx: CallContext): typeof RuleCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);
  /** The rule journal of each namespace this call changed rules in, made at its first change (ADD only). */
  const journals = new Map<number, RuleJournal>();
  const journalOf = (ns: number): RuleJournal | undefined => {
    if (!ctx.journal.enabled) return undefined;
    let j = journals.get(ns);
    if (j === undefined) {
      const made = new RuleJournal(() => rtnl(ns));
      journals.set(ns, (j = made));
      ctx.journal.record(`rule changes (ns ${ns})`, () => made.rollback());
    }
    return j;
  };
  const change = (ns: number, r: RuleCaps.RuleInfo, adding: boolean): void => {
    const rule = toKernel(r, adding);
    scope.requireHostRule(ns, {
      describe: describeRule(rule), toTable: rule.action === FR_ACT.TO_TBL, invert: r.invert,
      ...(rule.table !== undefined && { table: rule.table }), ...(r.src !== undefined && { src: r.src }),
      ...(r.iif !== undefined && { iif: r.iif }), ...(r.oif !== undefined && { oif: r.oif }),
    }, adding ? "add" : "delete");
    const j = journalOf(ns);
    if (adding) {
      ruleAdd(rtnl(ns), rule);
      j?.add(rule);
    } else {
      ruleDel(rtnl(ns), rule);
      j?.delete(rule);
    }
  };
  return {
    list: hostCall(ctx, "rule.list", (ns: number, family: Family) => {
      return ruleList(rtnl(ns), ipFamily(family)).map(fromKernel).filter((r): r is RuleCaps.RuleInfo => r !== undefined);
    }),
    add: hostCall(ctx, "rule.add", (ns: number, r: RuleCaps.RuleInfo) => change(ns, r, true)),
    delete: hostCall(ctx, "rule.delete", (ns: number, r: RuleCaps.RuleInfo) => change(ns, r, false)),
  };
}
