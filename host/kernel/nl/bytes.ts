// Netlink integers are in host byte order; these helpers hide the DataView plumbing.
import { endianness } from "node:os";

const LE = endianness() === "LE";

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function readU16(buf: Uint8Array, off: number): number {
  return view(buf).getUint16(off, LE);
}

export function readU32(buf: Uint8Array, off: number): number {
  return view(buf).getUint32(off, LE);
}

export function readI32(buf: Uint8Array, off: number): number {
  return view(buf).getInt32(off, LE);
}

export function writeU16(buf: Uint8Array, off: number, v: number): void {
  view(buf).setUint16(off, v, LE);
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  view(buf).setUint32(off, v >>> 0, LE);
}

export function writeI32(buf: Uint8Array, off: number, v: number): void {
  view(buf).setInt32(off, v, LE);
}

/** Rounds up to the 4-byte boundary that netlink headers and attributes use (NLMSG_ALIGN, RTA_ALIGN). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** A zeroed struct of `size` bytes with a writer for its fields (host byte order). */
export class StructWriter {
  readonly bytes: Uint8Array;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  u8(off: number, v: number): this {
    this.bytes[off] = v & 0xff;
    return this;
  }

  u16(off: number, v: number): this {
    writeU16(this.bytes, off, v);
    return this;
  }

  u32(off: number, v: number): this {
    writeU32(this.bytes, off, v);
    return this;
  }

  i32(off: number, v: number): this {
    writeI32(this.bytes, off, v);
    return this;
  }
}
