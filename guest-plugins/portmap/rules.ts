// The typed nftables rules of one container address, as Go's portmap_nftables.go writes them
// (its forwardPorts), in the firewall interface's vocabulary: the host puts them in
// `inet wasm-cni-portmap`, tagged with the call's attachment. Pure, so the guest tests run it.
//
//   nat-prerouting  fib daddr type local [ip daddr $hostIP] $proto dport $hostPort  dnat to $ip:$containerPort
//   nat-output      the same, for connections the node itself makes
//   nat-postrouting ct status dnat ip saddr $ip ip daddr $ip           masquerade   (hairpin; snat)
//   nat-postrouting ct status dnat ip saddr 127.0.0.0/8 ip daddr $ip   masquerade   (127.0.0.1; snat, IPv4)
import { IP, IPNet, Family, firewall } from "@wasm-cni/sdk";
import { PortMapConf, PortMapping } from "./config";

function cidrMatch(cidr: string): firewall.CidrMatch {
  const m = new firewall.CidrMatch();
  m.cidr = cidr;
  return m;
}

function port(p: u16): firewall.PortRange {
  const r = new firewall.PortRange();
  r.first = p;
  r.last = p;
  return r;
}

function rule(chain: firewall.Chain, family: Family, matches: firewall.Match[], verdict: firewall.Verdict): firewall.Rule {
  const r = new firewall.Rule();
  r.chain = chain;
  r.family = family;
  r.matches = matches;
  r.verdict = verdict;
  return r;
}

/** True when mapping `m` applies to a container address of this family (Go skips a hostIP of the other). */
function applies(m: PortMapping, v4: bool): bool {
  return m.hostFamily == 0 || (m.hostFamily == 4) == v4;
}

/** `fib daddr type local [daddr $hostIP] $proto dport $hostPort` and the config's conditions. */
function dnatMatches(c: PortMapConf, m: PortMapping, v4: bool): firewall.Match[] {
  const out: firewall.Match[] = [firewall.Match.daddrLocal()];
  const hostIP = m.hostIP;
  if (hostIP != null) out.push(firewall.Match.daddr(cidrMatch(IPNet.host(hostIP).toString())));
  const cond = v4 ? c.conditionsV4 : c.conditionsV6;
  for (let i = 0; i < cond.matches.length; i++) out.push(cond.matches[i]);
  out.push(firewall.Match.protocol(m.protocol));
  out.push(firewall.Match.dport(port(m.hostPort)));
  return out;
}

/** Every rule of container address `ip` (the address of prevResult, without its prefix). */
export function portmapRules(c: PortMapConf, ip: IP): firewall.Rule[] {
  const v4 = ip.is4;
  const family = v4 ? Family.V4 : Family.V6;
  const cond = v4 ? c.conditionsV4 : c.conditionsV6;
  const out: firewall.Rule[] = [];
  for (let i = 0; i < c.mappings.length; i++) {
    const m = c.mappings[i];
    if (!applies(m, v4)) continue;
    const to = new firewall.NatTarget();
    to.addr = ip.toString();
    to.ports = port(m.containerPort);
    out.push(rule(firewall.Chain.NAT_PREROUTING, family, dnatMatches(c, m, v4), firewall.Verdict.dnat(to)));
    if (!cond.hasIifname) out.push(rule(firewall.Chain.NAT_OUTPUT, family, dnatMatches(c, m, v4), firewall.Verdict.dnat(to)));
  }
  if (!c.snat || out.length == 0) return out;
  const self = IPNet.host(ip).toString();
  // Hairpin: the container to its own host port. Only DNATed connections: direct traffic
  // between containers keeps its source address.
  const hairpin: firewall.Match[] = [firewall.Match.ctDnat()];
  if (!c.masqAll) hairpin.push(firewall.Match.saddr(cidrMatch(self)));
  hairpin.push(firewall.Match.daddr(cidrMatch(self)));
  out.push(rule(firewall.Chain.NAT_POSTROUTING, family, hairpin, firewall.Verdict.masquerade(null)));
  if (v4 && !c.masqAll) {
    // 127.0.0.1:hostPort from the node: the reply must come back through the bridge.
    const local: firewall.Match[] = [firewall.Match.ctDnat(), firewall.Match.saddr(cidrMatch("127.0.0.0/8")), firewall.Match.daddr(cidrMatch(self))];
    out.push(rule(firewall.Chain.NAT_POSTROUTING, family, local, firewall.Verdict.masquerade(null)));
  }
  return out;
}

const CHAINS = ["nat-prerouting", "nat-output", "nat-postrouting", "filter-forward", "filter-input"];
const PROTOCOLS = ["tcp", "udp", "sctp", "icmp", "icmpv6"];

function ports(r: firewall.PortRange): string {
  return r.first == r.last ? r.first.toString() : r.first.toString() + "-" + r.last.toString();
}

function neg(negate: bool): string { return negate ? "!= " : ""; }

/** One match as nft writes it ("ip saddr 10.88.0.2/32", "tcp dport 8080", "fib daddr type local"). */
export function describeMatch(m: firewall.Match, ipx: string): string {
  switch (m.tag) {
    case firewall.MatchTag.SADDR: return ipx + " saddr " + neg(m.saddr.negate) + m.saddr.cidr;
    case firewall.MatchTag.DADDR: return ipx + " daddr " + neg(m.daddr.negate) + m.daddr.cidr;
    case firewall.MatchTag.IIFNAME: return "iifname " + neg(m.iifname.negate) + m.iifname.name;
    case firewall.MatchTag.OIFNAME: return "oifname " + neg(m.oifname.negate) + m.oifname.name;
    case firewall.MatchTag.PROTOCOL: return "meta l4proto " + PROTOCOLS[<i32>m.protocol];
    case firewall.MatchTag.SPORT: return "th sport " + ports(m.sport);
    case firewall.MatchTag.DPORT: return "th dport " + ports(m.dport);
    case firewall.MatchTag.CT_STATE: return "ct state " + m.ctState.toString();
    case firewall.MatchTag.CT_DNAT: return "ct status dnat";
    case firewall.MatchTag.DADDR_LOCAL: return "fib daddr type local";
    default: return "meta mark & " + m.mark.mask.toString() + " == " + m.mark.value.toString();
  }
}

function describeNat(t: firewall.NatTarget, v4: bool): string {
  const a = t.addr, p = t.ports;
  const addr = a == null ? "" : v4 ? a : "[" + a + "]";
  return p == null ? addr : addr + ":" + ports(p);
}

function describeVerdict(v: firewall.Verdict, v4: bool): string {
  switch (v.tag) {
    case firewall.VerdictTag.ACCEPT: return "accept";
    case firewall.VerdictTag.DROP: return "drop";
    case firewall.VerdictTag.REJECT: return "reject";
    case firewall.VerdictTag.DNAT: return "dnat to " + describeNat(v.dnat, v4);
    case firewall.VerdictTag.SNAT: return "snat to " + describeNat(v.snat, v4);
    case firewall.VerdictTag.MASQUERADE: { const p = v.masquerade; return p == null ? "masquerade" : "masquerade to :" + ports(p); }
    case firewall.VerdictTag.REDIRECT: { const p = v.redirect; return p == null ? "redirect" : "redirect to :" + ports(p); }
    case firewall.VerdictTag.SET_MARK: return "meta mark set mark | " + v.setMark.toString();
    default: return "continue";
  }
}

/** A rule as one line, nft's words in our order: "nat-prerouting ip fib daddr type local ... dnat to 10.88.0.2:80". */
export function describeRule(r: firewall.Rule): string {
  const v4 = r.family != Family.V6;
  const ipx = v4 ? "ip" : "ip6";
  let s = CHAINS[<i32>r.chain] + " " + ipx;
  for (let i = 0; i < r.matches.length; i++) s += " " + describeMatch(r.matches[i], ipx);
  return s + " " + describeVerdict(r.verdict, v4);
}

/**
 * What CHECK compares: the description with the matches sorted, so that the order in which
 * the host reports a rule's matches does not count.
 */
export function ruleKey(r: firewall.Rule): string {
  const v4 = r.family != Family.V6;
  const ipx = v4 ? "ip" : "ip6";
  const ms: string[] = [];
  for (let i = 0; i < r.matches.length; i++) ms.push(describeMatch(r.matches[i], ipx));
  ms.sort();
  return CHAINS[<i32>r.chain] + " " + ipx + " " + ms.join(" ") + " " + describeVerdict(r.verdict, v4);
}
