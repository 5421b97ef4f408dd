// IP and CIDR text <-> bytes. IPv6 text out is canonical per RFC 5952 (compressed, lower case).
import { Errno, KernelError } from "../errors";
import { AF } from "./message-types";

export type IpFamily = 4 | 6;

export interface IpAddr {
  family: IpFamily;
  bytes: Uint8Array;
}

export interface Cidr extends IpAddr {
  prefix: number;
}

function invalid(text: string, what: string): KernelError {
  return new KernelError(`parse ${JSON.stringify(text)}`, Errno.EINVAL, `not ${what}`);
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts, Number);
}

function parseV6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (const [i, p] of parts.entries()) {
      const v4 = i === parts.length - 1 && p.includes(".") ? parseV4(p) : undefined;
      if (v4) out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** Parses "10.1.0.2" or "fd00::2"; undefined for anything else (zones included). */
export function tryParseIp(text: string): IpAddr | undefined {
  const v4 = parseV4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = text.includes(":") ? parseV6(text) : undefined;
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

/** Parses "10.1.0.2" or "fd00::2". Throws KernelError EINVAL otherwise. */
export function parseIp(text: string): IpAddr {
  const ip = tryParseIp(text);
  if (!ip) throw invalid(text, "an IP address");
  return ip;
}

/** Parses "10.1.0.2/24" or "fd00::2/64"; host bits are kept (an address, not only a network). */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  if (slash < 0) throw invalid(text, "a CIDR (address/prefix)");
  const ip = parseIp(text.slice(0, slash));
  const p = text.slice(slash + 1);
  const prefix = Number(p);
  if (!/^[0-9]{1,3}$/.test(p) || prefix > ip.bytes.length * 8) throw invalid(text, "a CIDR (address/prefix)");
  return { ...ip, prefix };
}

/** Formats 4 or 16 bytes; IPv6 per RFC 5952 (longest zero run as "::", ::ffff:a.b.c.d for mapped). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) throw invalid(Buffer.from(bytes).toString("hex"), "4 or 16 address bytes");
  const g = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${Array.from(bytes.subarray(12)).join(".")}`;
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function formatCidr(bytes: Uint8Array, prefix: number): string {
  return `${formatIp(bytes)}/${prefix}`;
}

/** AF_INET / AF_INET6 for a family. */
export function addressFamily(family: IpFamily): number {
  return family === 4 ? AF.INET : AF.INET6;
}

export function familyOf(af: number): IpFamily | undefined {
  return af === AF.INET ? 4 : af === AF.INET6 ? 6 : undefined;
}

/** True when every address of `inner` lies in `outer` (same family, a prefix at least as long, the same leading bits). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const full = outer.prefix >> 3;
  for (let i = 0; i < full; i++) if (outer.bytes[i] !== inner.bytes[i]) return false;
  const rest = outer.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((outer.bytes[full]! ^ inner.bytes[full]!) & mask) === 0;
}
