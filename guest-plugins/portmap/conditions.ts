// conditionsV4/conditionsV6: extra conditions on the DNAT rules, which Go pastes into its
// iptables (`-s 10.0.0.0/8`) or nftables (`ip saddr 10.0.0.0/8`) rules as text. We never pass
// text to the host: the subset with a typed equivalent in the firewall interface becomes
// matches (source and destination address, input interface, each negated or not), in either
// syntax; anything else is code 7 naming the condition.
import { ObjectReader, IP, IPNet, firewall } from "@wasm-cni/sdk";

export class Conditions {
  matches: firewall.Match[] = [];
  /**
   * An iifname condition: traffic the node itself sends arrives on no interface, so only
   * the prerouting DNAT applies (Go's output rule with such a condition fails in nft).
   */
  hasIifname: bool = false;
}

/** Go's detectBackendOfConditions: iptables conditions start with "-" or "!". */
function isIptablesSyntax(first: string): bool {
  return first.startsWith("-") || first.startsWith("!");
}

/** The whitespace-separated words of all the strings (Go joins them with spaces too). */
function words(items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const parts = items[i].replaceAll("\t", " ").split(" ");
    for (let j = 0; j < parts.length; j++) if (parts[j].length > 0) out.push(parts[j]);
  }
  return out;
}

/**
 * An address or CIDR of the list's family as a CIDR string, host bits cleared as the host
 * keeps it; null when it is neither, or a /0 (which matches everything: leave it out).
 */
function readCidr(s: string, v4: bool): string | null {
  let n = IPNet.parse(s);
  if (n == null) {
    const ip = IP.parse(s);
    if (ip != null) n = IPNet.host(ip);
  }
  return n == null || n.is4 != v4 || n.prefix == 0 ? null : n.masked().toString();
}

/** An interface name as iptables and nft take it: 1-15 bytes, quotes removed. */
function readName(s: string): string | null {
  const name = s.length >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length - 1) : s;
  const n = String.UTF8.byteLength(name);
  return n == 0 || n > 15 || name.includes("/") ? null : name;
}

class Parser {
  out: Conditions = new Conditions();
  i: i32 = 0;
  constructor(public r: ObjectReader, public key: string, public v4: bool, public w: string[]) {}

  get family(): string { return this.v4 ? "IPv4" : "IPv6"; }

  next(): string | null { return this.i < this.w.length ? this.w[this.i++] : null; }

  bad(msg: string): bool { this.r.fail(this.key, msg); return false; }

  addr(isSource: bool, negate: bool, value: string | null): bool {
    if (value == null) return this.bad("ends before the address of its last condition");
    const cidr = readCidr(value, this.v4);
    if (cidr == null) return this.bad("has \"" + value + "\", not an " + this.family + " address or CIDR other than a /0");
    const m = new firewall.CidrMatch();
    m.cidr = cidr;
    m.negate = negate;
    this.out.matches.push(isSource ? firewall.Match.saddr(m) : firewall.Match.daddr(m));
    return true;
  }

  iif(negate: bool, value: string | null): bool {
    if (value == null) return this.bad("ends before the interface of its last condition");
    const name = readName(value);
    if (name == null) return this.bad("has \"" + value + "\", not an interface name");
    const m = new firewall.NameMatch();
    m.name = name;
    m.negate = negate;
    this.out.matches.push(firewall.Match.iifname(m));
    this.out.hasIifname = true;
    return true;
  }

  /** `[!] -s|-d|-i value`, and the long forms. */
  iptables(): bool {
    let t = this.next()!;
    const negate = t == "!";
    if (negate) {
      const n = this.next();
      if (n == null) return this.bad("ends with \"!\"");
      t = n;
    }
    if (t == "-s" || t == "--source" || t == "--src") return this.addr(true, negate, this.next());
    if (t == "-d" || t == "--destination" || t == "--dst") return this.addr(false, negate, this.next());
    if (t == "-i" || t == "--in-interface") return this.iif(negate, this.next());
    return this.bad("has \"" + t + "\": only -s, -d and -i (each with an optional \"!\") have an nftables equivalent in wasm-cni's portmap");
  }

  /** `ip|ip6 saddr|daddr [!=] value`, `[meta] iifname [!=] name`. */
  nftables(): bool {
    let t = this.next()!;
    if (t == "meta") {
      const n = this.next();
      if (n == null) return this.bad("ends with \"meta\"");
      t = n;
    }
    const ipx = this.v4 ? "ip" : "ip6";
    if (t == ipx) {
      const dir = this.next();
      if (dir != "saddr" && dir != "daddr") return this.bad("has \"" + t + " " + (dir == null ? "" : dir) + "\": only " + ipx + " saddr and " + ipx + " daddr are taken");
      const isSource = dir == "saddr";
      let v = this.next();
      const negate = v == "!=";
      if (negate) v = this.next();
      return this.addr(isSource, negate, v);
    }
    if (t == "iifname") {
      let v = this.next();
      const negate = v == "!=";
      if (negate) v = this.next();
      return this.iif(negate, v);
    }
    return this.bad("has \"" + t + "\": only " + ipx + " saddr, " + ipx + " daddr and iifname (each with an optional \"!=\") have a typed equivalent in wasm-cni's portmap");
  }
}

/**
 * Reads `key` (conditionsV4 when `v4`); `backend` is the config's ("" when absent): a
 * condition in the other backend's syntax fails as Go's ensureBackend fails it.
 */
export function parseConditions(r: ObjectReader, key: string, v4: bool, backend: string): Conditions {
  const w = words(r.optStrings(key));
  const p = new Parser(r, key, v4, w);
  if (w.length == 0) return p.out;
  const iptables = isIptablesSyntax(w[0]);
  const syntax = iptables ? "iptables" : "nftables";
  if (backend.length > 0 && backend != syntax) {
    r.fail(key, "is in " + syntax + " syntax but backend is \"" + backend + "\"");
    return p.out;
  }
  while (p.i < w.length) {
    if (!(iptables ? p.iptables() : p.nftables())) break;
  }
  return p.out;
}
