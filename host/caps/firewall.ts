import * as z from "zod/mini";
import type * as FirewallCaps from "../generated/interfaces/cni-host-firewall";
import { type BaseChain } from "../kernel/nft/chain";
import { type NftHandle, withNft } from "../kernel/nft/handle";
import { deleteRulesAndPrune } from "../kernel/nft/prune";
import { masqueradeChain, masqueradeExprs } from "../kernel/nft/masquerade";
import { type ChainRef, type NftRule, ruleAdd, ruleDelete, ruleList, rulesAdd } from "../kernel/nft/rule";
import { RULE_CHAINS, ruleChain } from "../kernel/nft/rule-chains";
import { typedRuleExprs, type TypedRule } from "../kernel/nft/rule-vocabulary";
import { decodeTypedRule } from "../kernel/nft/rule-vocabulary-decode";
import { spoofCheckChain, spoofCheckExprs } from "../kernel/nft/spoof-check";
import type { Attr } from "../kernel/nl/attr";
import { formatCidr, parseCidr } from "../kernel/rtnl/inet";
import { type CallContext, hostCall } from "./context";
import { addrList } from "../kernel/rtnl/addr";
import { denied, invalid } from "./errors";
import { isLinkName } from "./link";
import { scopeOf } from "./scope";
import { checkRule, containerAddresses, MAX_RULES_PER_CALL, requireContainerRule } from "./firewall-rules";

/** The one table name a plugin's rules live in (per family); a plugin never chooses it. */
export function firewallTable(plugin: string): string {
  return `wasm-cni-${plugin}`;
}

/** `name` itself when at most `max` bytes, else its first `head` bytes, "~" and a hash of the whole, `max` bytes in all. */
function shortened(name: string, max: number, head: number): string {
  if (name.length <= max) return name;
  // Required here, not imported: loading node:crypto costs a cold call ~2 ms, and only a long name needs it.
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return `${name.slice(0, head)}~${createHash("sha256").update(name).digest("hex").slice(0, max - head - 1)}`;
}

/**
 * Who a rule belongs to: the call's network name, container id and ifname (validated by the
 * CLI and the config schema: a name or id has no spaces, ":", "/" or "~"), so `${tag()} `
 * prefixes exactly this attachment's comments on this network, and `${network}:` every rule of
 * the network (a plugin's tables are shared by the networks it serves). A long name is
 * shortened to a prefix and a hash of the whole (a 64-hex Kubernetes id to 32 bytes, a network
 * name to 23), so that the worst comment stays within nft's 127 bytes (COMMENT_MAX): 23 + ":" +
 * 32 + "/" + a 15-byte ifname + " " + "masquerade " and an IPv6 CIDR of 43 = 127.
 */
export function ownerTag(network: string, containerId: string, ifname: string): string {
  return `${networkTag(network)}:${shortened(containerId, 32, 12)}/${ifname}`;
}

/** The part of every tag that names the network (see ownerTag). */
export function networkTag(network: string): string {
  return shortened(network, 23, 8);
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const SpoofCheck = z.object({
  ifname: z.string().check(z.refine(isLinkName)),
  mac: z.string().check(z.regex(MAC)),
});

function sourceCidr(address: string): string {
  let c;
  try {
    c = parseCidr(address);
  } catch {
    throw invalid(`${JSON.stringify(address)} is not an address with its prefix ("10.88.0.2/16")`);
  }
  if (c.prefix === 0) throw invalid(`${address}: a /0 subnet leaves nothing to masquerade`);
  return formatCidr(c.bytes, c.prefix);
}

/** The comment text (after the owner tag) of a typed rule (firewall.apply). */
const TYPED = "rule";

/**
 * The rule a comment's text ("masquerade 10.88.0.2/16", "spoof-check veth1 aa:...") stands
 * for; a typed rule is read back from its expressions and compiled again.
 */
function ruleOf(table: string, chain: BaseChain, rule: NftRule, rest: string): { chain: BaseChain; exprs: Attr[] } | undefined {
  const [kind, a = "", b = ""] = rest.split(" ");
  if (kind === "masquerade") return { chain: masqueradeChain(table), exprs: masqueradeExprs(parseCidr(a)) };
  if (kind === "spoof-check") return { chain: spoofCheckChain(table), exprs: spoofCheckExprs(a, b) };
  const typed = kind === TYPED ? decodeTypedRule(rule.exprs) : undefined;
  return typed && { chain, exprs: typedRuleExprs(typed.rule) };
}

/** A key of a typed rule and its chain: equal for equal rules whatever the order of object keys. */
function ruleKey(chain: string, rule: TypedRule): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted)
    : typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)]))
    : v;
  return JSON.stringify([chain, sorted(rule)]);
}

function chainRef(c: BaseChain): ChainRef {
  return { family: c.family, table: c.table, chain: c.name };
}

/** cni:host/firewall — nftables rules of this container, in the plugin's own tables only. */
export function createFirewallCaps(ctx: CallContext): typeof FirewallCaps {
  // Read when a function runs, not when the factory is made (the catalog test makes it bare).
  const table = () => firewallTable(ctx.plugin);
  let ownTag: string | undefined;
  /** This attachment's owner tag (ownerTag), made on first use. */
  const tag = () => (ownTag ??= ownerTag(ctx.network.name, ctx.call.containerId, ctx.call.ifname));
  // Every chain with rules of this plugin: the typed rules' (nat-postrouting is also
  // ensure-masquerade's) and the bridge spoof-check chain.
  const chains = () => [...RULE_CHAINS.map((c) => ruleChain(table(), c)), spoofCheckChain(table())];
  // Only handles this plugin opened itself (never a delegate's or a forged id).
  const scope = scopeOf(ctx);
  const netns = (ns: number) => scope.netns(ns);

  /** Whether a rule is this attachment's, with a comment (after the tag) that passes `keep`. */
  const mine = (keep: (rest: string) => boolean) => (r: NftRule): boolean => r.comment.startsWith(`${tag()} `) && keep(r.comment.slice(tag().length + 1));

  /** This attachment's rules of one chain whose comment (after the tag) passes `keep`. */
  const owned = (h: NftHandle, chain: BaseChain, keep: (rest: string) => boolean) => ruleList(h, chainRef(chain)).filter(mine(keep));

  /**
   * Deletes the rules of the plugin's chains that `pick` selects and returns them. `prune`: the
   * chains and tables they leave empty go too, in the same transaction (prune.ts), so that the
   * last DEL leaves the ruleset as before.
   */
  const deleteWhere = (h: NftHandle, pick: (r: NftRule, chain: BaseChain) => boolean, prune = true) => {
    const lists = chains().map((chain) => {
      const rules = ruleList(h, chainRef(chain));
      return { chain, rules, picked: rules.filter((r) => pick(r, chain)) };
    });
    if (prune) deleteRulesAndPrune(h, lists.map((l) => ({ chain: chainRef(l.chain), rules: l.rules, doomed: l.picked.map((r) => r.handle) })));
    else for (const l of lists) ruleDelete(h, chainRef(l.chain), l.picked.map((r) => r.handle));
    return lists.flatMap((l) => l.picked.map((r) => ({ chain: l.chain, r })));
  };

  /** Adds the rule unless this attachment has it; a failed ADD takes it back (journal). */
  const ensure = (id: number, chain: BaseChain, what: string, exprs: Attr[]) => {
    const ns = netns(id);
    const added = withNft(ns, (h) => {
      if (owned(h, chain, (rest) => rest === what).length > 0) return false;
      ruleAdd(h, chain, exprs, `${tag()} ${what}`);
      return true;
    });
    if (added) ctx.journal.record(`firewall ${what} (ns ${id})`, () => withNft(ns, (h) => deleteWhere(h, mine((rest) => rest === what))));
  };

  /**
   * A masquerade names only this call's container: the address must be on a link of the call's
   * CNI_NETNS, read by the host from the kernel (the plugin puts it there first, as bridge and
   * ptp do). Otherwise one plugin could NAT other pods' traffic.
   */
  const requireContainerAddress = (cidr: string): void => {
    const ip = cidr.slice(0, cidr.indexOf("/"));
    const path = ctx.call.netnsPath;
    const addrs = path === undefined ? [] : addrList(ctx.namespaces.rtnl(ctx.namespaces.open(path)), 0);
    if (addrs.some((a) => a.cidr.slice(0, a.cidr.indexOf("/")) === ip)) return;
    throw denied(`plugin "${ctx.plugin}" may not masquerade ${cidr}: not an address of the call's container (no link of CNI_NETNS has ${ip})`);
  };

  return {
    ensureMasquerade: hostCall(ctx, "firewall.ensure-masquerade", (ns: number, address: string) => {
      const cidr = sourceCidr(address);
      netns(ns); // a held handle first: a forged id is denied as such
      requireContainerAddress(cidr);
      ensure(ns, masqueradeChain(table()), `masquerade ${cidr}`, masqueradeExprs(parseCidr(cidr)));
    }),
    ensureSpoofCheck: hostCall(ctx, "firewall.ensure-spoof-check", (ns: number, check: FirewallCaps.SpoofCheck) => {
      const c = SpoofCheck.safeParse(check);
      if (!c.success) throw invalid(`spoof check ${JSON.stringify(check)}: needs an interface name and a MAC "aa:bb:cc:dd:ee:ff"`);
      // In the host netns only a link in the plugin's scope (scope.ts): the host end it made, or
      // one its config names; a drop rule on anyone else's interface would cut it off.
      scope.requireLink(ns, c.data.ifname, "add a spoof check on");
      const mac = c.data.mac.toLowerCase();
      ensure(ns, spoofCheckChain(table()), `spoof-check ${c.data.ifname} ${mac}`, spoofCheckExprs(c.data.ifname, mac));
    }),
    list: hostCall(ctx, "firewall.list", (ns: number) =>
      withNft(netns(ns), (h) => chains().flatMap((chain) => owned(h, chain, () => true))).flatMap((r): FirewallCaps.FwRule[] => {
        const [kind, a = "", b = ""] = r.comment.slice(tag().length + 1).split(" ");
        if (kind === "masquerade") return [{ tag: "masquerade", val: a }];
        if (kind === "spoof-check") return [{ tag: "spoof-check", val: { ifname: a, mac: b } }];
        return [];
      }),
    ),
    apply: hostCall(ctx, "firewall.apply", (ns: number, rules: FirewallCaps.Rule[]) => {
      // Rules are an ADD's work (DEL removes, CHECK reads): only there does the journal take them back.
      if (ctx.call.command !== "ADD") throw denied(`plugin "${ctx.plugin}" may call firewall.apply only during ADD, not ${ctx.call.command}`);
      if (rules.length > MAX_RULES_PER_CALL) throw invalid(`${rules.length} rules in one apply, more than ${MAX_RULES_PER_CALL}`);
      const handle = netns(ns);
      const checked = rules.map((r, i) => checkRule(r, i));
      const own = containerAddresses(ctx);
      checked.forEach((r, i) => requireContainerRule(ctx, r, i, own));
      const added = withNft(handle, (h) => {
        const typedOf = () => RULE_CHAINS.flatMap((name) => owned(h, ruleChain(table(), name), (rest) => rest === TYPED).map((r) => ({ name, r })));
        const before = typedOf();
        // Not twice: a rule this attachment has in that chain (or that this call lists twice).
        const seen = new Set(before.flatMap(({ name, r }) => {
          const d = decodeTypedRule(r.exprs);
          return d ? [ruleKey(name, d.rule)] : [];
        }));
        const fresh = checked.filter((r) => {
          const key = ruleKey(r.chain, r.rule);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        if (fresh.length === 0) return [];
        // A drop or reject goes to the head of its chain, before every attachment's accepts: in a
        // chain all attachments share, another's accept must not let through what this one stops
        // (the reference prepends its isolation rules for the same reason).
        rulesAdd(h, fresh.map((r) => ({
          chain: ruleChain(table(), r.chain), exprs: typedRuleExprs(r.rule), comment: `${tag()} ${TYPED}`, head: r.rule.verdict.tag === "drop" || r.rule.verdict.tag === "reject",
        })));
        const old = new Set(before.map(({ r }) => r.handle));
        return typedOf().filter(({ r }) => !old.has(r.handle));
      });
      if (added.length > 0) {
        const mark = (chain: BaseChain, r: NftRule) => `${chain.family} ${chain.name} ${r.handle}`;
        const made = new Set(added.map(({ name, r }) => mark(ruleChain(table(), name), r)));
        ctx.journal.record(`firewall.apply ${added.length} rule(s) ${tag()} (ns ${ns})`, () => withNft(handle, (h) => deleteWhere(h, (r, chain) => made.has(mark(chain, r)))));
      }
    }),
    rules: hostCall(ctx, "firewall.rules", (ns: number) =>
      withNft(netns(ns), (h) => RULE_CHAINS.flatMap((name) => owned(h, ruleChain(table(), name), (rest) => rest === TYPED).flatMap((r): FirewallCaps.RuleState[] => {
        const d = decodeTypedRule(r.exprs);
        // A rule changed behind our back (nft) that no longer reads as one we make: CHECK then misses it.
        return d ? [{ rule: { chain: name, ...d.rule }, packets: d.packets, bytes: d.bytes }] : [];
      }))),
    ),
    remove: hostCall(ctx, "firewall.remove", (ns: number) => {
      const handle = netns(ns);
      // Not pruned in an ADD: its journal may put the rules back, into the same table and chains.
      const removed = withNft(handle, (h) => deleteWhere(h, mine(() => true), ctx.call.command !== "ADD"))
        .map(({ chain, r }) => ({ chain, r, rest: r.comment.slice(tag().length + 1) }));
      // Each rule is made again from its comment (or, a typed rule, its expressions), as ensure or apply made it.
      if (removed.length > 0) {
        ctx.journal.record(`firewall.remove ${tag()} (ns ${ns})`, () => withNft(handle, (h) => {
          for (const { chain, r, rest } of removed) {
            const rule = ruleOf(table(), chain, r, rest);
            if (rule) ruleAdd(h, rule.chain, rule.exprs, `${tag()} ${rest}`);
          }
        }));
      }
    }),
    retain: hostCall(ctx, "firewall.retain", (ns: number) => {
      // The runtime's GC decides what stays: in any other verb a plugin could drop the rules
      // (masquerade, spoof checks protecting other pods) of every container of its tables.
      if (ctx.call.command !== "GC") throw denied(`plugin "${ctx.plugin}" may call firewall.retain only during GC, not ${ctx.call.command}`);
      const valid = ctx.network.validAttachments;
      if (valid === undefined) throw invalid('field "cni.dev/valid-attachments" is required');
      const kept = new Set(valid.map((a) => ownerTag(ctx.network.name, a.containerId, a.ifname)));
      const ofNetwork = `${networkTag(ctx.network.name)}:`;
      // Every rule of the plugin's chains is tagged "<network>:<id>/<ifname> ..." by ensure; one
      // of this network whose tag names no kept attachment is stale. Other networks' rules (and
      // any rule without a tag) are not this GC's.
      const stale = (r: NftRule): boolean => {
        const owner = r.comment.split(" ", 1)[0]!;
        return owner.startsWith(ofNetwork) && !kept.has(owner);
      };
      return withNft(netns(ns), (h) => deleteWhere(h, stale).length);
    }),
  };
}
