// Lifting and lowering of the canonical ABI (component-model CanonicalABI.md: load, store,
// lift_flat, lower_flat), walking the type tables of host/generated/abi.ts. Values the guest
// hands over are checked (bounds, discriminants, UTF-8, char ranges): a violation is an
// AbiTrap, which ends the call as a trap would.
import type { AbiType, CaseType, CoreType, Scalar } from "./types";

/** The guest broke the canonical ABI (or a host value does not fit its WIT type). */
export class AbiTrap extends Error {
  override name = "AbiTrap";
}

type Realloc = (oldPtr: number, oldSize: number, align: number, newSize: number) => number;

/**
 * How strings and lists leave guest memory: `check` sees a string's length first, `decode` a
 * view of its bytes; `checkList` sees a list's length and element size before it is lifted.
 */
export interface StringDecoder {
  check(byteLength: number): void;
  decode(bytes: Uint8Array): string;
  checkList?(count: number, elemSize: number): void;
}
interface Memory { buffer: ArrayBuffer }

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });
const utf8 = new TextEncoder();

/**
 * `bytes` as a string, or undefined when they are not valid UTF-8. Short ASCII (names,
 * addresses: most of what crosses) skips TextDecoder's per-call cost.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.length <= 64) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) { ascii = false; break; }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A guest's linear memory and allocator; views are renewed when the memory grows. */
export class GuestMemory {
  private buffer: ArrayBuffer | undefined;
  private dataView: DataView | undefined;

  constructor(private readonly memory: Memory, private readonly realloc: Realloc | undefined, private readonly strings?: StringDecoder) {}

  view(): DataView {
    if (this.memory.buffer !== this.buffer || !this.dataView) {
      this.buffer = this.memory.buffer;
      this.dataView = new DataView(this.buffer);
    }
    return this.dataView;
  }

  /** Checks that [ptr, ptr + len) lies in memory and ptr is aligned. */
  check(ptr: number, len: number, align: number, what: string): void {
    if (ptr % align !== 0) throw new AbiTrap(`${what} at ${ptr} is not aligned to ${align}`);
    if (ptr + len > this.view().byteLength) throw new AbiTrap(`${what} at ${ptr} (+${len} bytes) lies outside the plugin's memory`);
  }

  alloc(size: number, align: number): number {
    if (!this.realloc) throw new AbiTrap("the plugin exports no cabi_realloc");
    const ptr = this.realloc(0, 0, align, size) >>> 0;
    this.check(ptr, size, align, "cabi_realloc's block");
    return ptr;
  }

  /** Before a list is lifted: the decoder's budget sees its size. */
  checkList(count: number, elemSize: number): void {
    this.strings?.checkList?.(count, elemSize);
  }

  readString(ptr: number, len: number): string {
    this.strings?.check(len);
    this.check(ptr, len, 1, "a string");
    const bytes = new Uint8Array(this.view().buffer, ptr, len);
    if (this.strings) return this.strings.decode(bytes);
    const text = decodeUtf8(bytes);
    if (text === undefined) throw new AbiTrap(`a string at ${ptr} (${len} bytes) is not valid UTF-8`);
    return text;
  }

  writeString(s: string): [number, number] {
    if (typeof s !== "string") throw new AbiTrap(`expected a string, got ${typeof s}`);
    if (s.length === 0) return [1, 0]; // any aligned pointer will do for no bytes
    const len = Buffer.byteLength(s, "utf8"); // lone surrogates count as U+FFFD, as encodeInto writes them
    const ptr = this.alloc(len, 1);
    utf8.encodeInto(s, new Uint8Array(this.view().buffer, ptr, len));
    return [ptr, len];
  }
}

const RANGES: Partial<Record<Scalar, [number, number]>> = {
  u8: [0, 0xff], s8: [-0x80, 0x7f], u16: [0, 0xffff], s16: [-0x8000, 0x7fff], u32: [0, 0xffffffff], s32: [-0x80000000, 0x7fffffff],
};

function int(v: unknown, scalar: Scalar): number {
  const [min, max] = RANGES[scalar]!;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new AbiTrap(`${String(v)} is not a ${scalar}`);
  return v;
}

function char(code: number): string {
  if (code >= 0x110000 || (code >= 0xd800 && code <= 0xdfff)) throw new AbiTrap(`${code} is not a Unicode scalar value`);
  return String.fromCodePoint(code);
}

function charCode(v: unknown): number {
  const code = typeof v === "string" ? v.codePointAt(0) : undefined;
  if (code === undefined || String.fromCodePoint(code) !== v) throw new AbiTrap(`${String(v)} is not one char`);
  return code;
}

// ---- variants: the case a JS value stands for, and back ----------------------------------

type Cased = Extract<AbiType, { cases: unknown }>;

/** jco writes the outer option of option<option<T>> as `{ tag }`, the inner as value-or-undefined. */
const tagged = (t: Cased): boolean => t.cases[1]?.type?.k === "option";

function caseOf(t: Cased, v: unknown): [number, unknown] {
  switch (t.k) {
    case "enum": {
      const i = t.cases.findIndex((c) => c.name === v);
      if (i < 0) throw new AbiTrap(`${String(v)} is not one of ${t.cases.map((c) => c.name).join(", ")}`);
      return [i, undefined];
    }
    case "option":
      if (tagged(t)) return (v as { tag?: unknown } | null)?.tag === "some" ? [1, (v as { val?: unknown }).val] : [0, undefined];
      return v === undefined || v === null ? [0, undefined] : [1, v];
    default: {
      const tag = (v as { tag?: unknown } | null)?.tag;
      const i = t.cases.findIndex((c) => c.name === tag);
      if (i < 0) throw new AbiTrap(`${String(tag)} is not a case of ${t.cases.map((c) => c.name).join(", ")}`);
      return [i, (v as { val?: unknown }).val];
    }
  }
}

/** The case `i` of `t`, or a trap when the discriminant is out of range. */
function caseAt(t: Cased, i: number): CaseType {
  const c = t.cases[i];
  if (!c) throw new AbiTrap(`discriminant ${i} is out of range (${t.cases.length} cases)`);
  return c;
}

/** The JS value of case `c` (index `i`) of `t` with its lifted payload. */
function shape(t: Cased, i: number, c: CaseType, payload: unknown): unknown {
  switch (t.k) {
    case "enum": return c.name;
    case "option":
      if (tagged(t)) return i === 0 ? { tag: "none" } : { tag: "some", val: payload };
      return i === 0 ? undefined : payload;
    default:
      return c.type ? { tag: c.name, val: payload } : { tag: c.name };
  }
}

// ---- memory form -------------------------------------------------------------------------

function readUint(dv: DataView, ptr: number, n: 1 | 2 | 4): number {
  return n === 1 ? dv.getUint8(ptr) : n === 2 ? dv.getUint16(ptr, true) : dv.getUint32(ptr, true);
}

function writeUint(dv: DataView, ptr: number, n: 1 | 2 | 4, v: number): void {
  if (n === 1) dv.setUint8(ptr, v);
  else if (n === 2) dv.setUint16(ptr, v, true);
  else dv.setUint32(ptr, v, true);
}

/** The value of type `t` stored at `ptr`. */
export function load(mem: GuestMemory, t: AbiType, ptr: number): unknown {
  mem.check(ptr, t.size, t.align, "a value");
  return loadAt(mem, mem.view(), t, ptr);
}

/** load() within a range already checked: a value's parts lie inside it; lifting never allocates. */
function loadAt(mem: GuestMemory, dv: DataView, t: AbiType, ptr: number): unknown {
  switch (t.k) {
    case "scalar":
      switch (t.scalar) {
        case "bool": return dv.getUint8(ptr) !== 0;
        case "u8": return dv.getUint8(ptr);
        case "s8": return dv.getInt8(ptr);
        case "u16": return dv.getUint16(ptr, true);
        case "s16": return dv.getInt16(ptr, true);
        case "u32": return dv.getUint32(ptr, true);
        case "s32": return dv.getInt32(ptr, true);
        case "u64": return dv.getBigUint64(ptr, true);
        case "s64": return dv.getBigInt64(ptr, true);
        case "f32": return dv.getFloat32(ptr, true);
        case "f64": return dv.getFloat64(ptr, true);
        case "char": return char(dv.getUint32(ptr, true));
      }
      break;
    case "string": return mem.readString(dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
    case "list": return loadList(mem, t.elem, dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
    case "record": {
      const out: Record<string, unknown> = {};
      for (const f of t.fields) out[f.key] = loadAt(mem, dv, f.type, ptr + f.offset);
      return out;
    }
    case "tuple": return t.elems.map((e) => loadAt(mem, dv, e.type, ptr + e.offset));
    case "flags": return flagsValue(t.keys, readUint(dv, ptr, t.size as 1 | 2 | 4));
    default: {
      const i = readUint(dv, ptr, t.discSize);
      const c = caseAt(t, i);
      return shape(t, i, c, c.type ? loadAt(mem, dv, c.type, ptr + t.payloadOffset) : undefined);
    }
  }
}

function loadList(mem: GuestMemory, elem: AbiType, ptr: number, len: number): unknown[] {
  mem.check(ptr, len * elem.size, elem.align, "a list");
  mem.checkList(len, elem.size);
  const dv = mem.view();
  const out = new Array<unknown>(len);
  for (let i = 0; i < len; i++) out[i] = loadAt(mem, dv, elem, ptr + i * elem.size);
  return out;
}

function flagsValue(keys: readonly string[], bits: number): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  keys.forEach((k, i) => (out[k] = (bits & (1 << i)) !== 0));
  return out;
}

function flagsBits(keys: readonly string[], v: unknown): number {
  const o = (v ?? {}) as Record<string, unknown>;
  return keys.reduce((bits, k, i) => (o[k] ? bits | (1 << i) : bits), 0) >>> 0;
}

/** Stores `v` as type `t` at `ptr`, allocating strings and lists in guest memory. */
export function store(mem: GuestMemory, t: AbiType, v: unknown, ptr: number): void {
  mem.check(ptr, t.size, t.align, "a return area");
  storeAt(mem, t, v, ptr);
}

/** store() within a range already checked (memory may grow meanwhile: views are renewed). */
function storeAt(mem: GuestMemory, t: AbiType, v: unknown, ptr: number): void {
  switch (t.k) {
    case "scalar": {
      const dv = mem.view();
      switch (t.scalar) {
        case "bool": return dv.setUint8(ptr, v ? 1 : 0);
        case "u8": case "s8": return dv.setUint8(ptr, int(v, t.scalar) & 0xff);
        case "u16": case "s16": return dv.setUint16(ptr, int(v, t.scalar) & 0xffff, true);
        case "u32": case "s32": return dv.setUint32(ptr, int(v, t.scalar) >>> 0, true);
        case "u64": case "s64": return dv.setBigUint64(ptr, BigInt.asUintN(64, bigint(v, t.scalar)), true);
        case "f32": return dv.setFloat32(ptr, Number(v), true);
        case "f64": return dv.setFloat64(ptr, Number(v), true);
        case "char": return dv.setUint32(ptr, charCode(v), true);
      }
      return;
    }
    case "string": {
      const [p, len] = mem.writeString(v as string);
      mem.view().setUint32(ptr, p, true);
      mem.view().setUint32(ptr + 4, len, true);
      return;
    }
    case "list": {
      const [p, len] = storeList(mem, t.elem, v);
      mem.view().setUint32(ptr, p, true);
      mem.view().setUint32(ptr + 4, len, true);
      return;
    }
    case "record": {
      const o = v as Record<string, unknown>;
      for (const f of t.fields) storeAt(mem, f.type, o[f.key], ptr + f.offset);
      return;
    }
    case "tuple":
      t.elems.forEach((e, i) => storeAt(mem, e.type, (v as unknown[])[i], ptr + e.offset));
      return;
    case "flags": return writeUint(mem.view(), ptr, t.size as 1 | 2 | 4, flagsBits(t.keys, v));
    default: {
      const [i, payload] = caseOf(t, v);
      writeUint(mem.view(), ptr, t.discSize, i);
      const c = t.cases[i]!.type;
      if (c) storeAt(mem, c, payload, ptr + t.payloadOffset);
    }
  }
}

function storeList(mem: GuestMemory, elem: AbiType, v: unknown): [number, number] {
  if (!Array.isArray(v)) throw new AbiTrap(`expected a list, got ${typeof v}`);
  if (v.length === 0) return [elem.align, 0];
  const base = mem.alloc(v.length * elem.size, elem.align);
  v.forEach((x, i) => storeAt(mem, elem, x, base + i * elem.size));
  return [base, v.length];
}

function bigint(v: unknown, scalar: Scalar): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw new AbiTrap(`${String(v)} is not a ${scalar}`);
}

// ---- flat form ---------------------------------------------------------------------------

const f32 = new DataView(new ArrayBuffer(8));

/** A joined slot value of type `have` as the case's own flat type `want` (lift_flat_variant). */
function narrow(v: number | bigint, have: CoreType, want: CoreType): number | bigint {
  if (have === want) return v;
  if (have === "i32" && want === "f32") return (f32.setInt32(0, Number(v), true), f32.getFloat32(0, true));
  if (have === "i64" && want === "i32") return Number(BigInt.asIntN(32, BigInt(v)));
  if (have === "i64" && want === "f32") return (f32.setInt32(0, Number(BigInt.asIntN(32, BigInt(v))), true), f32.getFloat32(0, true));
  if (have === "i64" && want === "f64") return (f32.setBigInt64(0, BigInt(v), true), f32.getFloat64(0, true));
  throw new AbiTrap(`cannot narrow ${have} to ${want}`);
}

/** A case's flat value `v` of type `have` in a joined slot of type `want` (lower_flat_variant). */
function widen(v: number | bigint, have: CoreType, want: CoreType): number | bigint {
  if (have === want) return v;
  if (have === "i32" && want === "i64") return BigInt(Number(v) >>> 0);
  if (have === "f32" && want === "i32") return (f32.setFloat32(0, Number(v), true), f32.getInt32(0, true));
  if (have === "f32" && want === "i64") return (f32.setFloat32(0, Number(v), true), BigInt(f32.getUint32(0, true)));
  if (have === "f64" && want === "i64") return (f32.setFloat64(0, Number(v), true), f32.getBigInt64(0, true));
  throw new AbiTrap(`cannot widen ${have} to ${want}`);
}

/** Reads core values in order: `at` is the index of the next one. */
export interface FlatReader { values: readonly unknown[]; at: number }

function next(r: FlatReader): number {
  return Number(r.values[r.at++] ?? 0);
}

/** The value of type `t` from flat core values (parameters of an import, an export's result). */
export function liftFlat(mem: GuestMemory, t: AbiType, r: FlatReader): unknown {
  switch (t.k) {
    case "scalar": {
      const raw = r.values[r.at++] ?? 0;
      const v = Number(raw);
      switch (t.scalar) {
        case "bool": return v !== 0;
        case "u8": return v & 0xff;
        case "s8": return (v << 24) >> 24;
        case "u16": return v & 0xffff;
        case "s16": return (v << 16) >> 16;
        case "u32": return v >>> 0;
        case "s32": return v | 0;
        case "u64": return BigInt.asUintN(64, BigInt(raw as bigint));
        case "s64": return BigInt.asIntN(64, BigInt(raw as bigint));
        case "f32": case "f64": return v;
        case "char": return char(v >>> 0);
      }
      break;
    }
    case "string": {
      const ptr = next(r) >>> 0;
      return mem.readString(ptr, next(r) >>> 0);
    }
    case "list": {
      const ptr = next(r) >>> 0;
      return loadList(mem, t.elem, ptr, next(r) >>> 0);
    }
    case "record": {
      const out: Record<string, unknown> = {};
      for (const f of t.fields) out[f.key] = liftFlat(mem, f.type, r);
      return out;
    }
    case "tuple": return t.elems.map((e) => liftFlat(mem, e.type, r));
    case "flags": return flagsValue(t.keys, next(r) >>> 0);
    default: {
      const i = next(r) >>> 0;
      const start = r.at;
      r.at += t.flat.length - 1; // the joined payload slots, whichever case this is
      const c = caseAt(t, i);
      if (!c.type) return shape(t, i, c, undefined);
      const own = c.type.flat;
      const same = own.every((want, j) => want === t.flat[j + 1]);
      const payload = same
        ? liftFlat(mem, c.type, { values: r.values, at: start })
        : liftFlat(mem, c.type, { values: own.map((want, j) => narrow(r.values[start + j] as number | bigint, t.flat[j + 1]!, want)), at: 0 });
      return shape(t, i, c, payload);
    }
  }
  return undefined;
}

/** Appends the flat core values of `v` (type `t`) to `out`. */
export function lowerFlat(mem: GuestMemory, t: AbiType, v: unknown, out: unknown[]): void {
  switch (t.k) {
    case "scalar":
      switch (t.scalar) {
        case "bool": out.push(v ? 1 : 0); return;
        case "u64": case "s64": out.push(BigInt.asIntN(64, bigint(v, t.scalar))); return;
        case "f32": case "f64": out.push(Number(v)); return;
        case "char": out.push(charCode(v)); return;
        default: out.push(int(v, t.scalar) | 0); return;
      }
    case "string": out.push(...mem.writeString(v as string)); return;
    case "list": out.push(...storeList(mem, t.elem, v)); return;
    case "record": {
      const o = v as Record<string, unknown>;
      for (const f of t.fields) lowerFlat(mem, f.type, o[f.key], out);
      return;
    }
    case "tuple": t.elems.forEach((e, i) => lowerFlat(mem, e.type, (v as unknown[])[i], out)); return;
    case "flags": out.push(flagsBits(t.keys, v) | 0); return;
    default: {
      const [i, payload] = caseOf(t, v);
      out.push(i);
      const slots = t.flat.slice(1);
      const own: unknown[] = [];
      const c = t.cases[i]!.type;
      if (c) lowerFlat(mem, c, payload, own);
      slots.forEach((want, j) => {
        out.push(j < own.length ? widen(own[j] as number | bigint, c!.flat[j]!, want) : want === "i64" ? 0n : 0);
      });
    }
  }
}
