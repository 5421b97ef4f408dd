// Address to text: dotted quad for IPv4; RFC 5952 for IPv6 (lower case, no leading zeros,
// the longest run of two or more zero groups as "::", the first one on a tie) and the
// mixed form "::ffff:a.b.c.d" for IPv4-mapped addresses (RFC 5952 §5).
import { IP } from "./addr";

const HEX = "0123456789abcdef";

/** Formats an address (see the file comment). */
export function formatIP(ip: IP): string {
  if (ip.is4) return formatV4(<u32>ip.lo);
  return formatV6(ip.hi, ip.lo);
}

/** "10.1.0.2" from 0x0a010002. */
export function formatV4(v: u32): string {
  return (v >> 24).toString() + "." + ((v >> 16) & 0xff).toString() + "." +
    ((v >> 8) & 0xff).toString() + "." + (v & 0xff).toString();
}

/** One group without leading zeros. */
function hexGroup(v: u32): string {
  if (v == 0) return "0";
  let out = "";
  let started = false;
  for (let shift = 12; shift >= 0; shift -= 4) {
    const d = (v >> <u32>shift) & 0xf;
    if (d == 0 && !started) continue;
    started = true;
    out += HEX.charAt(<i32>d);
  }
  return out;
}

/** IPv6 text from the two halves. */
export function formatV6(hi: u64, lo: u64): string {
  if (hi == 0 && (lo >> 32) == 0xffff) return "::ffff:" + formatV4(<u32>lo);
  const groups = new StaticArray<u32>(8);
  for (let k = 0; k < 4; k++) groups[k] = <u32>((hi >> <u64>(48 - 16 * k)) & 0xffff);
  for (let k = 0; k < 4; k++) groups[4 + k] = <u32>((lo >> <u64>(48 - 16 * k)) & 0xffff);
  // longest zero run of length >= 2
  let bestStart = -1, bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (groups[k] != 0) { k++; continue; }
    const start = k;
    while (k < 8 && groups[k] == 0) k++;
    if (k - start > bestLen) { bestStart = start; bestLen = k - start; }
  }
  if (bestLen < 2) { bestStart = -1; bestLen = 0; }
  let out = "";
  for (let k = 0; k < 8; k++) {
    if (k == bestStart) {
      out += "::";
      k += bestLen - 1;
      continue;
    }
    if (k > 0 && k != bestStart + bestLen) out += ":";
    out += hexGroup(groups[k]);
  }
  return out;
}
