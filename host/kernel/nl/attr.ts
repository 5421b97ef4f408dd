// Netlink attributes (struct nlattr / rtattr): building, encoding and parsing, nested or flat.
import { align4, readI32, readU16, readU32, writeU16, writeU32 } from "./bytes";

export const NLA_HDRLEN = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/**
 * An attribute to send: `data` first, then `children` (like netlink's RtAttr). Nested attributes
 * have only children; VETH_INFO_PEER has both (an ifinfomsg, then the peer's attributes).
 * `type` may carry NLA_F_NESTED: the encoder sends it as given.
 */
export interface Attr {
  type: number;
  data: Uint8Array;
  children: Attr[];
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function bytesAttr(type: number, data: Uint8Array): Attr {
  return { type, data, children: [] };
}

export function nestedAttr(type: number, children: Attr[], data: Uint8Array = EMPTY): Attr {
  return { type, data, children };
}

export function u8Attr(type: number, v: number): Attr {
  return bytesAttr(type, Uint8Array.of(v & 0xff));
}

export function u16Attr(type: number, v: number): Attr {
  const b = new Uint8Array(2);
  writeU16(b, 0, v);
  return bytesAttr(type, b);
}

export function u32Attr(type: number, v: number): Attr {
  const b = new Uint8Array(4);
  writeU32(b, 0, v);
  return bytesAttr(type, b);
}

/**
 * A string, NUL-terminated unless `nul` is false. NLA_STRING takes both; NLA_NUL_STRING needs
 * the NUL; iproute2 leaves it off for a few (IFLA_INFO_KIND, IFLA_IFALIAS).
 */
export function stringAttr(type: number, s: string, nul = true): Attr {
  const enc = utf8.encode(s);
  const b = new Uint8Array(enc.length + (nul ? 1 : 0));
  b.set(enc);
  return bytesAttr(type, b);
}

/** Encoded length as the kernel reads it: a leaf is unpadded, a parent counts its padded parts. */
export function attrLen(a: Attr): number {
  if (a.children.length === 0) return NLA_HDRLEN + a.data.length;
  return a.children.reduce((n, c) => n + align4(attrLen(c)), NLA_HDRLEN + align4(a.data.length));
}

/** Space the attribute takes in a message, padding included. */
export function attrSpace(a: Attr): number {
  return align4(attrLen(a));
}

/** Writes `a` at `off` in buf (zeroed, large enough); returns the offset after its padding. */
export function writeAttr(buf: Uint8Array, off: number, a: Attr): number {
  writeU16(buf, off, attrLen(a));
  writeU16(buf, off + 2, a.type);
  buf.set(a.data, off + NLA_HDRLEN);
  let p = off + NLA_HDRLEN + align4(a.data.length);
  for (const c of a.children) p = writeAttr(buf, p, c);
  return off + attrSpace(a);
}

/** Received attributes of one message or nest, looked up by type (flags masked off). */
export class AttrSet {
  readonly entries: ReadonlyArray<{ type: number; value: Uint8Array }>;

  constructor(entries: Array<{ type: number; value: Uint8Array }>) {
    this.entries = entries;
  }

  has(type: number): boolean {
    return this.entries.some((e) => e.type === type);
  }

  get(type: number): Uint8Array | undefined {
    return this.entries.find((e) => e.type === type)?.value;
  }

  all(type: number): Uint8Array[] {
    return this.entries.filter((e) => e.type === type).map((e) => e.value);
  }

  u8(type: number): number | undefined {
    return this.get(type)?.[0];
  }

  u16(type: number): number | undefined {
    const v = this.get(type);
    return v && v.length >= 2 ? readU16(v, 0) : undefined;
  }

  u32(type: number): number | undefined {
    const v = this.get(type);
    return v && v.length >= 4 ? readU32(v, 0) : undefined;
  }

  i32(type: number): number | undefined {
    const v = this.get(type);
    return v && v.length >= 4 ? readI32(v, 0) : undefined;
  }

  /** A string attribute without its trailing NUL. */
  string(type: number): string | undefined {
    const v = this.get(type);
    if (v === undefined) return undefined;
    const end = v.indexOf(0);
    return utf8Decoder.decode(end < 0 ? v : v.subarray(0, end));
  }

  nested(type: number): AttrSet | undefined {
    const v = this.get(type);
    return v === undefined ? undefined : parseAttrs(v);
  }
}

/** Parses a run of attributes; stops at a truncated one rather than reading past the end. */
export function parseAttrs(buf: Uint8Array): AttrSet {
  const entries: Array<{ type: number; value: Uint8Array }> = [];
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = readU16(buf, off);
    if (len < NLA_HDRLEN || off + len > buf.length) break;
    entries.push({ type: readU16(buf, off + 2) & NLA_TYPE_MASK, value: buf.subarray(off + NLA_HDRLEN, off + len) });
    off += align4(len);
  }
  return new AttrSet(entries);
}
