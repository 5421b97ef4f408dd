// Builds small core Wasm modules byte by byte, for what asc cannot emit: Wasm exception
// handling (`try`/`catch_all`), host calls from cabi_realloc or cabi_post_*, tables without a
// maximum, imported tables, several memories. Instructions are byte arrays (the `op` table);
// section layout follows the core spec's binary format.

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const FUNCREF = 0x70;

/** Opcodes used by the fixtures (legacy exception handling: try 0x06, catch_all 0x19). */
export const op = {
  unreachable: [0x00],
  nop: [0x01],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  try: [0x06, 0x40],
  catchAll: [0x19],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  return: [0x0f],
  call: (fn: number) => [0x10, ...uleb(fn)],
  drop: [0x1a],
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  globalGet: (i: number) => [0x23, ...uleb(i)],
  globalSet: (i: number) => [0x24, ...uleb(i)],
  i32Load: (offset = 0) => [0x28, 0x02, ...uleb(offset)],
  i32Const: (v: number) => [0x41, ...sleb(v | 0)], // as a signed 32-bit value
  i64Const: (v: bigint) => [0x42, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32And: [0x71],
  tableGrow: (table: number) => [0xfc, 0x0f, ...uleb(table)],
  refNullFunc: [0xd0, FUNCREF],
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

export function sleb(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const utf8 = (s: string): number[] => [...Buffer.from(s, "utf8")];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const str = (s: string): number[] => vec(utf8(s).map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

export interface LimitsSpec {
  min: number;
  max?: number;
  shared?: boolean;
}

function limits(l: LimitsSpec): number[] {
  const flags = (l.max !== undefined ? 1 : 0) | (l.shared ? 2 : 0);
  return [flags, ...uleb(l.min), ...(l.max !== undefined ? uleb(l.max) : [])];
}

interface Func {
  type: number;
  locals: number[];
  body: number[];
}

/** A core module under construction; functions are indexed imports first, as in Wasm. */
export class WasmBuilder {
  private readonly types: string[] = [];
  private readonly imports: number[][] = [];
  private importedFuncs = 0;
  private readonly funcs: Func[] = [];
  private readonly tables: number[][] = [];
  private readonly memories: number[][] = [];
  private readonly globals: number[][] = [];
  private readonly exports: number[][] = [];
  private readonly data: number[][] = [];
  private start: number | undefined;

  /** The index of the function type (params) -> (results), added once. */
  type(params: number[], results: number[]): number {
    const key = JSON.stringify([params, results]);
    const i = this.types.indexOf(key);
    return i >= 0 ? i : this.types.push(key) - 1;
  }

  importFunc(module: string, name: string, params: number[], results: number[]): number {
    if (this.funcs.length > 0) throw new Error("import functions before defining any");
    this.imports.push([...str(module), ...str(name), 0x00, ...uleb(this.type(params, results))]);
    return this.importedFuncs++;
  }

  importTable(module: string, name: string, l: LimitsSpec): void {
    this.imports.push([...str(module), ...str(name), 0x01, FUNCREF, ...limits(l)]);
  }

  importMemory(module: string, name: string, l: LimitsSpec): void {
    this.imports.push([...str(module), ...str(name), 0x02, ...limits(l)]);
  }

  /** Defines a function; returns its index. `locals` are the types of its extra locals. */
  func(params: number[], results: number[], body: number[], locals: number[] = []): number {
    this.funcs.push({ type: this.type(params, results), locals, body });
    return this.importedFuncs + this.funcs.length - 1;
  }

  table(l: LimitsSpec): number {
    return this.tables.push([FUNCREF, ...limits(l)]) - 1;
  }

  memory(l: LimitsSpec): number {
    return this.memories.push(limits(l)) - 1;
  }

  /** A mutable i32 global starting at `init`; returns its index. */
  global(init: number): number {
    return this.globals.push([I32, 0x01, ...op.i32Const(init), ...op.end]) - 1;
  }

  exportFunc(name: string, fn: number): void {
    this.exports.push([...str(name), 0x00, ...uleb(fn)]);
  }

  exportGlobal(name: string, global: number): void {
    this.exports.push([...str(name), 0x03, ...uleb(global)]);
  }

  exportMemory(name: string, memory = 0): void {
    this.exports.push([...str(name), 0x02, ...uleb(memory)]);
  }

  /** Bytes placed in memory 0 at `offset` when instantiated. */
  dataAt(offset: number, bytes: Uint8Array | number[]): void {
    this.data.push([0x00, ...op.i32Const(offset), ...op.end, ...uleb(bytes.length), ...bytes]);
  }

  startFunc(fn: number): void {
    this.start = fn;
  }

  bytes(): Uint8Array {
    const types = this.types.map((k) => {
      const [params, results] = JSON.parse(k) as [number[], number[]];
      return [0x60, ...uleb(params.length), ...params, ...uleb(results.length), ...results];
    });
    const code = this.funcs.map((f) => {
      const body = [...vec(f.locals.map((t) => [1, t])), ...f.body, ...op.end];
      return [...uleb(body.length), ...body];
    });
    return new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...(types.length ? section(1, vec(types)) : []),
      ...(this.imports.length ? section(2, vec(this.imports)) : []),
      ...(this.funcs.length ? section(3, vec(this.funcs.map((f) => uleb(f.type)))) : []),
      ...(this.tables.length ? section(4, vec(this.tables)) : []),
      ...(this.memories.length ? section(5, vec(this.memories)) : []),
      ...(this.globals.length ? section(6, vec(this.globals)) : []),
      ...(this.exports.length ? section(7, vec(this.exports)) : []),
      ...(this.start !== undefined ? section(8, uleb(this.start)) : []),
      ...(code.length ? section(10, vec(code)) : []),
      ...(this.data.length ? section(11, vec(this.data)) : []),
    ]);
  }
}
