// An IPv4 or IPv6 address as plain integers, like Go's netip.Addr: v4 in the low 32 bits
// of `lo`, v6 as two u64 halves (hi holds the first 8 bytes). No bytes, no allocation for
// compare or in-place stepping, so IPAM loops stay cheap.
import { parseIP } from "./parse";
import { formatIP } from "./format";

const U32_MAX: u64 = 0xffff_ffff;

/** An IPv4 or IPv6 address, as 128 bits (IPv4 in the low 32); Go's net.IP / netip.Addr. */
export class IP {
  /** The high and low 64 bits of the address, and its family. */
  constructor(public hi: u64, public lo: u64, public is4: bool) {}

  /** An IPv4 address from its 32-bit value (10.0.0.1 is 0x0a000001). */
  static v4(value: u32): IP {
    return new IP(0, <u64>value, true);
  }

  /** An IPv4 address from its four bytes. */
  static v4Bytes(a: u8, b: u8, c: u8, d: u8): IP {
    return IP.v4((<u32>a << 24) | (<u32>b << 16) | (<u32>c << 8) | <u32>d);
  }

  /** An IPv6 address from its two 64-bit halves. */
  static v6(hi: u64, lo: u64): IP {
    return new IP(hi, lo, false);
  }

  /** The all-zero address of a family: 0.0.0.0 or ::. */
  static zero(is4: bool): IP {
    return new IP(0, 0, is4);
  }

  /** Parses "10.1.0.2" or "fd00::1"; null when malformed. Zones ("%eth0") are rejected. */
  static parse(s: string): IP | null {
    return parseIP(s);
  }

  /** An address from 4 or 16 bytes in network order; null for any other length. */
  static fromBytes(b: u8[]): IP | null {
    if (b.length == 4) return IP.v4Bytes(b[0], b[1], b[2], b[3]);
    if (b.length != 16) return null;
    let hi: u64 = 0, lo: u64 = 0;
    for (let i = 0; i < 8; i++) hi = (hi << 8) | <u64>b[i];
    for (let i = 8; i < 16; i++) lo = (lo << 8) | <u64>b[i];
    return IP.v6(hi, lo);
  }

  /** Address length in bits: 32 or 128. */
  get bits(): i32 {
    return this.is4 ? 32 : 128;
  }

  /** The 32-bit value of an IPv4 address (0 for IPv6). */
  toU32(): u32 {
    return this.is4 ? <u32>this.lo : 0;
  }

  /** The address in network byte order: 4 or 16 bytes. */
  toBytes(): u8[] {
    const out = new Array<u8>(this.is4 ? 4 : 16);
    if (this.is4) {
      for (let i = 0; i < 4; i++) out[i] = <u8>(this.lo >> (<u64>(24 - 8 * i)));
      return out;
    }
    for (let i = 0; i < 8; i++) out[i] = <u8>(this.hi >> (<u64>(56 - 8 * i)));
    for (let i = 0; i < 8; i++) out[8 + i] = <u8>(this.lo >> (<u64>(56 - 8 * i)));
    return out;
  }

  /** A copy (IP is mutable: inc, dec). */
  clone(): IP {
    return new IP(this.hi, this.lo, this.is4);
  }

  /** Same family and address. */
  equals(o: IP): bool {
    return this.is4 == o.is4 && this.hi == o.hi && this.lo == o.lo;
  }

  /** -1, 0 or 1; every IPv4 address sorts before every IPv6 address. */
  compare(o: IP): i32 {
    if (this.is4 != o.is4) return this.is4 ? -1 : 1;
    if (this.hi != o.hi) return this.hi < o.hi ? -1 : 1;
    if (this.lo != o.lo) return this.lo < o.lo ? -1 : 1;
    return 0;
  }

  /** 0.0.0.0 or ::. */
  isUnspecified(): bool {
    return this.hi == 0 && this.lo == 0;
  }

  /** 127.0.0.0/8 or ::1. */
  isLoopback(): bool {
    if (this.is4) return (this.lo >> 24) == 127;
    return this.hi == 0 && this.lo == 1;
  }

  /** 224.0.0.0/4 or ff00::/8. */
  isMulticast(): bool {
    if (this.is4) return (this.lo >> 28) == 0xe;
    return (this.hi >> 56) == 0xff;
  }

  /** 169.254.0.0/16 or fe80::/10. */
  isLinkLocalUnicast(): bool {
    if (this.is4) return (this.lo >> 16) == 0xa9fe;
    return (this.hi >> 54) == (0xfe80 >> 6);
  }

  /** Steps this address forward by one in place; false (unchanged) at the family's last address. */
  inc(): bool {
    if (this.is4) {
      if (this.lo >= U32_MAX) return false;
      this.lo++;
      return true;
    }
    if (this.lo != u64.MAX_VALUE) {
      this.lo++;
      return true;
    }
    if (this.hi == u64.MAX_VALUE) return false;
    this.hi++;
    this.lo = 0;
    return true;
  }

  /** Steps this address back by one in place; false (unchanged) at 0.0.0.0 or ::. */
  dec(): bool {
    if (this.is4) {
      if (this.lo == 0) return false;
      this.lo--;
      return true;
    }
    if (this.lo != 0) {
      this.lo--;
      return true;
    }
    if (this.hi == 0) return false;
    this.hi--;
    this.lo = u64.MAX_VALUE;
    return true;
  }

  /** The next address, like ip.NextIP; null past the last address of the family. */
  next(): IP | null {
    const r = this.clone();
    return r.inc() ? r : null;
  }

  /** The previous address, like ip.PrevIP; null before 0.0.0.0 or ::. */
  prev(): IP | null {
    const r = this.clone();
    return r.dec() ? r : null;
  }

  /** This address plus a signed offset; null when the result leaves the family's space. */
  add(n: i64): IP | null {
    if (this.is4) {
      if (n > <i64>U32_MAX || n < -(<i64>U32_MAX)) return null;
      const v = <i64>this.lo + n;
      return v < 0 || v > <i64>U32_MAX ? null : IP.v4(<u32>v);
    }
    if (n >= 0) {
      const lo = this.lo + <u64>n;
      const carry: u64 = lo < this.lo ? 1 : 0;
      if (carry && this.hi == u64.MAX_VALUE) return null;
      return IP.v6(this.hi + carry, lo);
    }
    const m = <u64>(-n); // wraps correctly for i64.MIN_VALUE: 2^63
    const borrow: u64 = m > this.lo ? 1 : 0;
    if (borrow && this.hi == 0) return null;
    return IP.v6(this.hi - borrow, this.lo - m);
  }

  /** This address with all bits after the first `prefix` cleared (the network address). */
  masked(prefix: i32): IP {
    return new IP(this.hi & maskHi(this.is4, prefix), this.lo & maskLo(this.is4, prefix), this.is4);
  }

  /** This address with all bits after the first `prefix` set (the last address). */
  filled(prefix: i32): IP {
    if (this.is4) return IP.v4(<u32>(this.lo | (~maskLo(true, prefix) & U32_MAX)));
    return IP.v6(this.hi | ~maskHi(false, prefix), this.lo | ~maskLo(false, prefix));
  }

  /** Dotted quad, or RFC 5952 text: lower case, the longest zero run compressed. */
  toString(): string {
    return formatIP(this);
  }
}

/** The upper 64 mask bits for a prefix (0 for IPv4). Shifts by 64 are avoided: wasm takes them mod 64. */
export function maskHi(is4: bool, prefix: i32): u64 {
  if (is4 || prefix <= 0) return 0;
  if (prefix >= 64) return u64.MAX_VALUE;
  return u64.MAX_VALUE << <u64>(64 - prefix);
}

/** The lower 64 mask bits for a prefix; for IPv4 the 32-bit mask. */
export function maskLo(is4: bool, prefix: i32): u64 {
  if (is4) {
    if (prefix <= 0) return 0;
    if (prefix >= 32) return U32_MAX;
    return (U32_MAX << <u64>(32 - prefix)) & U32_MAX;
  }
  if (prefix <= 64) return 0;
  if (prefix >= 128) return u64.MAX_VALUE;
  return u64.MAX_VALUE << <u64>(128 - prefix);
}
