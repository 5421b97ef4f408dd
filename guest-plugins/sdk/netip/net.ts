// CIDR prefixes, like Go's net.IPNet: an address plus a prefix length. The address may
// have host bits set ("10.1.0.5/24", as in a CNI result); network() clears them.
import { IP, maskHi, maskLo } from "./addr";
import { parseIP } from "./parse";

/** An address with a prefix length ("10.1.0.5/24": host bits kept); Go's net.IPNet / netip.Prefix. */
export class IPNet {
  /** The address (host bits as given) and the prefix length. */
  constructor(public ip: IP, public prefix: i32) {}

  /** Parses "10.1.0.0/16" or "fd00::/64", keeping host bits; null when malformed. */
  static parse(s: string): IPNet | null {
    const slash = s.indexOf("/");
    if (slash < 0) return null;
    const ip = parseIP(s.substring(0, slash));
    if (ip == null) return null;
    const prefix = parsePrefix(s, slash + 1, ip.bits);
    return prefix < 0 ? null : new IPNet(ip, prefix);
  }

  /** A prefix from an address and length; null when the length is outside 0..bits. */
  static of(ip: IP, prefix: i32): IPNet | null {
    if (prefix < 0 || prefix > ip.bits) return null;
    return new IPNet(ip.clone(), prefix);
  }

  /** The host route of an address: /32 or /128. */
  static host(ip: IP): IPNet {
    return new IPNet(ip.clone(), ip.bits);
  }

  /** True for an IPv4 prefix. */
  get is4(): bool {
    return this.ip.is4;
  }

  /** 32 or 128. */
  get bits(): i32 {
    return this.ip.bits;
  }

  /** The network address: the address with its host bits cleared. */
  network(): IP {
    return this.ip.masked(this.prefix);
  }

  /** The same prefix in network form ("10.1.0.5/24" becomes "10.1.0.0/24"). */
  masked(): IPNet {
    return new IPNet(this.network(), this.prefix);
  }

  /** True when the address has no host bits set. */
  isNetwork(): bool {
    return this.ip.equals(this.network());
  }

  /** The mask as an address: 255.255.255.0 for a /24, ffff:ffff:ffff:ffff:: for a /64. */
  mask(): IP {
    return new IP(maskHi(this.is4, this.prefix), maskLo(this.is4, this.prefix), this.is4);
  }

  /** The last address of the prefix (the IPv4 broadcast address). */
  last(): IP {
    return this.ip.filled(this.prefix);
  }

  /** The IPv4 broadcast address; the same as last(). */
  broadcast(): IP {
    return this.last();
  }

  /** The default gateway: the first address after the network address, like ip.NextIP. */
  gateway(): IP | null {
    return this.network().next();
  }

  /** True when the address is in this prefix (the same family and the same network bits). */
  contains(ip: IP): bool {
    if (ip.is4 != this.is4) return false;
    const mh = maskHi(this.is4, this.prefix), ml = maskLo(this.is4, this.prefix);
    return (ip.hi & mh) == (this.ip.hi & mh) && (ip.lo & ml) == (this.ip.lo & ml);
  }

  /** True when every address of `n` is in this prefix. */
  containsNet(n: IPNet): bool {
    return n.prefix >= this.prefix && this.contains(n.ip);
  }

  /** True when the two prefixes share any address. */
  overlaps(n: IPNet): bool {
    return this.contains(n.ip) || n.contains(this.ip);
  }

  /** Same address (host bits included) and prefix length. */
  equals(n: IPNet): bool {
    return this.prefix == n.prefix && this.ip.equals(n.ip);
  }

  /** "10.1.0.5/24": the address as given, then the prefix length. */
  toString(): string {
    return this.ip.toString() + "/" + this.prefix.toString();
  }
}

/** Parses s[start:] as a decimal prefix length in 0..max, no sign or leading zero; -1 if not. */
function parsePrefix(s: string, start: i32, max: i32): i32 {
  const n = s.length;
  if (start >= n || n - start > 3) return -1;
  if (n - start > 1 && s.charCodeAt(start) == 0x30) return -1;
  let v = 0;
  for (let i = start; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v > max ? -1 : v;
}
