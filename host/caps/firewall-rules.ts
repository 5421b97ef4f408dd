/**
 * The checks of firewall.apply: every value of a typed rule is validated (`invalid`), and the
 * rule must concern this call's container (`denied`). The container's addresses are the IPs
 * of the runtime's `prevResult` for CNI_IFNAME: what the runtime passed, never what the plugin
 * says (a chained plugin such as portmap or firewall runs after the one that set them up).
 */
import type * as FirewallCaps from "../generated/interfaces/cni-host-firewall";
import { type RuleChainName } from "../kernel/nft/rule-chains";
import type { RuleMatch, TypedRule } from "../kernel/nft/rule-vocabulary";
import { type Cidr, formatCidr, formatIp, type IpAddr, parseCidr, tryParseIp } from "../kernel/rtnl/inet";
import type { CallContext } from "./context";
import { denied, invalid } from "./errors";
import { isLinkName } from "./link";

/** At most this many rules per apply call, and matches per rule: far above any plugin's need (portmap: 5 per mapping). */
export const MAX_RULES_PER_CALL = 64;
export const MAX_MATCHES_PER_RULE = 16;

/** A validated rule: its chain and its typed rule, CIDRs and addresses in canonical form. */
export interface CheckedRule {
  chain: RuleChainName;
  rule: TypedRule;
}

type Fam = "v4" | "v6";
const famOf = (ip: IpAddr): Fam => (ip.family === 4 ? "v4" : "v6");
const PORT_PROTOCOLS = new Set(["tcp", "udp", "sctp"]);
const NAT_CHAINS: Record<string, readonly RuleChainName[]> = {
  dnat: ["nat-prerouting", "nat-output"],
  redirect: ["nat-prerouting", "nat-output"],
  snat: ["nat-postrouting"],
  masquerade: ["nat-postrouting"],
  reject: ["filter-forward", "filter-input"],
};

/** The network part of a CIDR ("10.88.0.5/16" → "10.88.0.0/16"), checked against the rule's family. */
function canonicalCidr(text: string, fam: Fam, where: string): string {
  let c: Cidr;
  try {
    c = parseCidr(text);
  } catch {
    throw invalid(`${where}: ${JSON.stringify(text)} is not a CIDR ("10.88.0.2/32", "fd00::/64")`);
  }
  if (famOf(c) !== fam) throw invalid(`${where}: ${text} is not an ${fam === "v4" ? "IPv4" : "IPv6"} CIDR, as the rule's family ${fam} needs`);
  if (c.prefix === 0) throw invalid(`${where}: ${text} matches every address; leave the match out`);
  const bytes = c.bytes.map((b, i) => {
    const bits = Math.min(8, Math.max(0, c.prefix - 8 * i));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
  return formatCidr(bytes, c.prefix);
}

function checkPorts(p: FirewallCaps.PortRange, where: string): FirewallCaps.PortRange {
  if (p.first === 0 || p.first > p.last) throw invalid(`${where}: port range ${p.first}-${p.last} must have 1 <= first <= last <= 65535`);
  return { first: p.first, last: p.last };
}

function checkMatch(m: FirewallCaps.Match, fam: Fam, where: string): RuleMatch {
  switch (m.tag) {
    case "saddr":
    case "daddr":
      return { tag: m.tag, val: { cidr: canonicalCidr(m.val.cidr, fam, `${where} ${m.tag}`), negate: m.val.negate } };
    case "iifname":
    case "oifname":
      if (!isLinkName(m.val.name)) throw invalid(`${where} ${m.tag}: ${JSON.stringify(m.val.name)} is not an interface name (1-15 bytes, no "/", ":", "%" or spaces)`);
      return { tag: m.tag, val: { name: m.val.name, negate: m.val.negate } };
    case "protocol":
      if ((m.val === "icmp" && fam !== "v4") || (m.val === "icmpv6" && fam !== "v6")) throw invalid(`${where}: protocol ${m.val} does not go with family ${fam}`);
      return { tag: "protocol", val: m.val };
    case "sport":
    case "dport":
      return { tag: m.tag, val: checkPorts(m.val, `${where} ${m.tag}`) };
    case "ct-state": {
      const s = m.val;
      const val = Object.fromEntries(Object.entries(s).filter(([, on]) => on === true));
      if (Object.keys(val).length === 0) throw invalid(`${where}: ct-state names no state`);
      return { tag: "ct-state", val };
    }
    case "mark":
      if ((m.val.value & ~m.val.mask) !== 0 || m.val.mask === 0) {
        throw invalid(`${where}: mark value 0x${m.val.value.toString(16)} has bits outside its mask 0x${m.val.mask.toString(16)} (or the mask is 0)`);
      }
      return { tag: "mark", val: { value: m.val.value >>> 0, mask: m.val.mask >>> 0 } };
    case "ct-dnat":
    case "daddr-local":
      return { tag: m.tag };
  }
}

function natAddr(text: string | undefined, fam: Fam, where: string): string {
  const ip = text === undefined ? undefined : tryParseIp(text);
  if (!ip) throw invalid(`${where}: needs an address ("10.88.0.2", "fd00::2"), got ${JSON.stringify(text ?? null)}`);
  if (famOf(ip) !== fam) throw invalid(`${where}: ${text} is not in the rule's family ${fam}`);
  return formatIp(ip.bytes);
}

function checkVerdict(r: FirewallCaps.Rule, fam: Fam, where: string): TypedRule["verdict"] {
  const v = r.verdict;
  const allowed = NAT_CHAINS[v.tag];
  if (allowed && !allowed.includes(r.chain)) throw invalid(`${where}: verdict ${v.tag} works only in ${allowed.join(" or ")}, not ${r.chain}`);
  const hasPortProtocol = r.matches.some((m) => m.tag === "protocol" && PORT_PROTOCOLS.has(m.val));
  const ports = (p: FirewallCaps.PortRange | undefined): FirewallCaps.PortRange | undefined => {
    if (p === undefined) return undefined;
    if (!hasPortProtocol) throw invalid(`${where}: verdict ${v.tag} with ports needs a protocol match of tcp, udp or sctp`);
    return checkPorts(p, `${where} ${v.tag}`);
  };
  switch (v.tag) {
    case "dnat":
    case "snat": {
      const p = ports(v.val.ports);
      return { tag: v.tag, val: { addr: natAddr(v.val.addr, fam, `${where} ${v.tag}`), ...(p && { ports: p }) } };
    }
    case "masquerade":
    case "redirect":
      return { tag: v.tag, val: ports(v.val) };
    case "set-mark":
      if (v.val === 0) throw invalid(`${where}: set-mark 0 changes nothing`);
      return { tag: "set-mark", val: v.val >>> 0 };
    default:
      return { tag: v.tag };
  }
}

/** Validates one rule; `invalid` names the rule by its index. */
export function checkRule(r: FirewallCaps.Rule, index: number): CheckedRule {
  const where = `rule ${index}`;
  if (r.family === "all") throw invalid(`${where}: family must be v4 or v6 (a rule's addresses have one family)`);
  const fam = r.family;
  if (r.matches.length > MAX_MATCHES_PER_RULE) throw invalid(`${where}: ${r.matches.length} matches, more than ${MAX_MATCHES_PER_RULE}`);
  const matches = r.matches.map((m) => checkMatch(m, fam, where));
  const portMatch = matches.find((m) => m.tag === "sport" || m.tag === "dport");
  if (portMatch && !matches.some((m) => m.tag === "protocol" && PORT_PROTOCOLS.has(m.val))) {
    throw invalid(`${where}: a ${portMatch.tag} match needs a protocol match of tcp, udp or sctp in the same rule`);
  }
  return { chain: r.chain, rule: { family: fam, matches, verdict: checkVerdict(r, fam, where), counter: r.counter } };
}

/**
 * The container's addresses: the runtime's `prevResult.ips` (already lifted to the current
 * result version) whose interface is the sandbox interface CNI_IFNAME, or names none (as the
 * reference portmap reads them). Empty without a prevResult.
 */
export function containerAddresses(ctx: CallContext): IpAddr[] {
  let conf: unknown;
  try {
    conf = JSON.parse(ctx.config);
  } catch {
    return [];
  }
  const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const prev = obj(obj(conf).prevResult);
  const interfaces = Array.isArray(prev.interfaces) ? prev.interfaces.map(obj) : [];
  const ips = Array.isArray(prev.ips) ? prev.ips.map(obj) : [];
  return ips.flatMap((ip): IpAddr[] => {
    if (typeof ip.interface === "number") {
      const itf = interfaces[ip.interface];
      if (itf && (itf.name !== ctx.call.ifname || typeof itf.sandbox !== "string" || itf.sandbox === "")) return [];
    }
    if (typeof ip.address !== "string") return [];
    try {
      const c = parseCidr(ip.address);
      return [{ family: c.family, bytes: c.bytes }];
    } catch {
      return [];
    }
  });
}

const sameIp = (a: IpAddr, b: IpAddr): boolean => a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i]);

/** The container address a match names exactly (a /32 or /128, not negated), if any. */
function namesContainer(m: RuleMatch, own: IpAddr[]): boolean {
  if ((m.tag !== "saddr" && m.tag !== "daddr") || m.val.negate) return false;
  const c = parseCidr(m.val.cidr);
  return c.prefix === c.bytes.length * 8 && own.some((ip) => sameIp(ip, c));
}

/**
 * Throws `denied` unless the rule concerns this call's container: it matches saddr or daddr
 * (not negated) exactly on one of the container's addresses, or DNATs or SNATs to one and
 * matches a dport; and an SNAT's target is always one of the container's addresses.
 * Otherwise one plugin's rule could drop the node's traffic, steal its ports for another
 * address, or open another pod.
 */
export function requireContainerRule(ctx: CallContext, r: CheckedRule, index: number, own: IpAddr[]): void {
  const v = r.rule.verdict;
  const addrs = own.map((ip) => formatIp(ip.bytes)).join(", ") || "none: the runtime passed no prevResult ips for this interface";
  // Rewriting the container's source to another address would let it pass as another pod (or
  // the node) to whoever filters by source; masquerade is the way to the node's address.
  if (v.tag === "snat" && !own.some((ip) => sameIp(ip, tryParseIp(v.val.addr ?? "")!))) {
    throw denied(
      `plugin "${ctx.plugin}" may not apply rule ${index} (${r.chain}, snat): an snat may only give the container's traffic one of the container's own addresses, not ${v.val.addr} (masquerade gives the node's) (the container's addresses from the runtime's prevResult: ${addrs})`,
    );
  }
  if (r.rule.matches.some((m) => namesContainer(m, own))) return;
  if ((v.tag === "dnat" || v.tag === "snat") && own.some((ip) => sameIp(ip, tryParseIp(v.val.addr ?? "")!))) {
    // Named only as the NAT target, the rule must still pick its traffic by port: a DNAT of
    // everything would take all of the node's inbound traffic (ssh included) to the container,
    // an SNAT of everything would rewrite all that the node sends.
    if (r.rule.matches.some((m) => m.tag === "dport")) return;
    throw denied(
      `plugin "${ctx.plugin}" may not apply rule ${index} (${r.chain}, ${v.tag}): a rule that names the container only as its ${v.tag} target must match a dport (it would take every port of the node's traffic otherwise) (the container's addresses from the runtime's prevResult: ${addrs})`,
    );
  }
  throw denied(
    `plugin "${ctx.plugin}" may not apply rule ${index} (${r.chain}, ${v.tag}): it does not concern the call's container; a rule must match saddr or daddr (not negated) on one of its addresses, or DNAT/SNAT to one (the container's addresses from the runtime's prevResult: ${addrs})`,
  );
}
