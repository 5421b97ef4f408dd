// Text to address: strict dotted quads (no leading zeros, as Go since 1.17) and RFC 4291
// IPv6 text, including one "::" and a trailing dotted quad ("::ffff:10.0.0.1").
import { IP } from "./addr";

/** Parses an IPv4 or IPv6 address; null when malformed. */
export function parseIP(s: string): IP | null {
  if (s.indexOf(":") >= 0) return parseV6(s);
  const v = parseV4(s, 0, s.length);
  return v < 0 ? null : IP.v4(<u32>v);
}

/** Parses s[start:end] as a dotted quad; its 32-bit value, or -1 when malformed. */
export function parseV4(s: string, start: i32, end: i32): i64 {
  let value: u32 = 0;
  let fields = 0;
  let i = start;
  while (i < end) {
    let octet: u32 = 0;
    let digits = 0;
    const first = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      octet = octet * 10 + <u32>(c - 0x30);
      if (++digits > 3 || octet > 255) return -1;
      i++;
    }
    if (digits == 0) return -1;
    if (digits > 1 && s.charCodeAt(first) == 0x30) return -1; // "010" is ambiguous (octal)
    value = (value << 8) | octet;
    if (++fields == 4) break;
    if (i >= end || s.charCodeAt(i) != 0x2e) return -1; // '.'
    i++;
  }
  if (fields != 4 || i != end) return -1;
  return <i64>value;
}

/** The value of a hex digit, or -1. */
function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Parses IPv6 text into an address; null when malformed. */
export function parseV6(s: string): IP | null {
  const n = s.length;
  const groups = new StaticArray<u32>(8);
  let g = 0;
  let ellipsis = -1;
  let i = 0;
  if (n >= 2 && s.charCodeAt(0) == 0x3a && s.charCodeAt(1) == 0x3a) {
    ellipsis = 0;
    i = 2;
  }
  while (i < n) {
    if (g == 8) return null;
    const start = i;
    let value: u32 = 0;
    while (i < n) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) break;
      if (i - start == 4) return null;
      value = (value << 4) | <u32>h;
      i++;
    }
    if (i < n && s.charCodeAt(i) == 0x2e) {
      // trailing dotted quad takes the last two groups
      if (g > 6) return null;
      const v4 = parseV4(s, start, n);
      if (v4 < 0) return null;
      groups[g++] = <u32>(v4 >> 16);
      groups[g++] = <u32>(v4 & 0xffff);
      i = n;
      break;
    }
    if (i == start) return null;
    groups[g++] = value;
    if (i == n) break;
    if (s.charCodeAt(i) != 0x3a) return null;
    i++;
    if (i < n && s.charCodeAt(i) == 0x3a) {
      if (ellipsis >= 0) return null;
      ellipsis = g;
      i++;
    } else if (i == n) {
      return null; // trailing single ':'
    }
  }
  if (ellipsis < 0) {
    if (g != 8) return null;
  } else {
    if (g == 8) return null; // "::" must stand for at least one group
    const shift = 8 - g;
    for (let k = g - 1; k >= ellipsis; k--) groups[k + shift] = groups[k];
    for (let k = ellipsis; k < ellipsis + shift; k++) groups[k] = 0;
  }
  let hi: u64 = 0, lo: u64 = 0;
  for (let k = 0; k < 4; k++) hi = (hi << 16) | <u64>groups[k];
  for (let k = 4; k < 8; k++) lo = (lo << 16) | <u64>groups[k];
  return IP.v6(hi, lo);
}
