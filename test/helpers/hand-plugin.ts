// Hostile plugins written by hand as core modules (wasm-builder.ts), for what asc cannot emit:
// Wasm exception handling around host calls, host calls from cabi_realloc or cabi_post_*.
// The host loads a plugin folder holding meta.json and the main core module (tools/plugin-build.ts,
// host/runtime/load-component.ts), so a test writes that folder directly. Arguments of host
// calls are lowered with the host's own canonical ABI (host/runtime/abi) into a data segment.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WORLD } from "../../host/generated/abi";
import { GuestMemory, lowerFlat, store } from "../../host/runtime/abi/lift-lower";
import type { AbiFunc } from "../../host/runtime/abi/types";
import type { ComponentMeta } from "../../host/runtime/load-component";
import { I32, I64, type LimitsSpec, op, WasmBuilder } from "./wasm-builder";

const PAGE = 65_536;
/** Memory layout: constants and lowered arguments from DATA, cabi_realloc's heap from HEAP. */
const DATA = 1024;
const HEAP = PAGE;
const PAGES = 2;

const coreType = (t: string): number => (t === "i64" ? I64 : t === "f32" ? 0x7d : t === "f64" ? 0x7c : I32);
const paramsOf = (f: AbiFunc): number[] => f.params.flatMap((p) => p.flat.map(coreType));
/** add's core parameters (the request, flattened): its first extra local comes after them. */
const ADD_PARAMS = paramsOf(WORLD.exports.find((v) => v.name === "add")!).length;

/** Builds one hand-written plugin: its `add` body, and optionally host calls in realloc or post. */
export class HandPlugin {
  private readonly w = new WasmBuilder();
  private readonly imported = new Map<string, number>();
  private readonly used = new Set<string>();
  /** The data region as the guest will see it, filled by a bump allocator. */
  private readonly data = new Uint8Array(HEAP - DATA);
  private top = 0;
  private readonly scratch: GuestMemory;
  private readonly view: Uint8Array;

  constructor(readonly name: string) {
    // Lowering writes through this view of the data region, as if it were guest memory at DATA.
    const buffer = new ArrayBuffer(HEAP);
    const view = new Uint8Array(buffer);
    this.view = view;
    this.scratch = new GuestMemory({ buffer }, (_p, _s, align, size) => {
      const ptr = Math.ceil((DATA + this.top) / align) * align;
      this.top = ptr + size - DATA;
      if (this.top > this.data.length) throw new Error("hand plugin: data region full");
      return ptr;
    });
  }

  /** Places `bytes` in the guest's memory; returns their address. */
  bytes(bytes: Uint8Array | number[]): number {
    const ptr = this.scratch.alloc(bytes.length, 1);
    this.view.set(bytes, ptr);
    return ptr;
  }

  /** Places a UTF-8 string in the guest's memory; returns [ptr, len]. */
  string(s: string): [number, number] {
    const b = Buffer.from(s, "utf8");
    return [this.bytes(b), b.length];
  }

  private abiFunc(iface: string, fn: string): [string, AbiFunc] {
    const key = Object.keys(WORLD.imports).find((k) => k.replace(/@.*$/, "") === `cni:host/${iface}`);
    const f = key ? WORLD.imports[key]!.find((x) => x.name === fn) : undefined;
    if (!key || !f) throw new Error(`hand plugin: no host function ${iface}.${fn}`);
    return [key, f];
  }

  private importOf(iface: string, fn: string): { index: number; f: AbiFunc } {
    const [module, f] = this.abiFunc(iface, fn);
    this.used.add(`cni:host/${iface}`);
    let index = this.imported.get(`${module}#${fn}`);
    if (index === undefined) {
      const params = f.spilledParams ? [I32] : f.params.flatMap((p) => p.flat.map(coreType));
      if (f.resultInMemory) params.push(I32);
      const results = f.result && !f.resultInMemory ? f.result.flat.map(coreType) : [];
      index = this.w.importFunc(module, fn, params, results);
      this.imported.set(`${module}#${fn}`, index);
    }
    return { index, f };
  }

  /** Instructions calling host function `iface`.`fn` with `args` (JS values of its WIT types), its result dropped. */
  call(iface: string, fn: string, args: unknown[]): number[] {
    const { f } = this.importOf(iface, fn);
    const core: unknown[] = [];
    if (f.spilledParams) {
      const ptr = this.scratch.alloc(f.spilledParams.size, f.spilledParams.align);
      store(this.scratch, f.spilledParams, args, ptr);
      core.push(ptr);
    } else {
      f.params.forEach((p, i) => lowerFlat(this.scratch, p, args[i], core));
    }
    return this.callRaw(iface, fn, core as (number | bigint)[]);
  }

  /** Instructions calling host function `iface`.`fn` with raw core values (a return area is added when it needs one). */
  callRaw(iface: string, fn: string, core: (number | bigint)[]): number[] {
    const { index, f } = this.importOf(iface, fn);
    const args = [...core];
    if (f.resultInMemory) args.push(this.scratch.alloc(f.result!.size, f.result!.align));
    const push = args.flatMap((v) => (typeof v === "bigint" ? op.i64Const(v) : op.i32Const(v)));
    const drop = f.result && !f.resultInMemory ? f.result.flat.map(() => op.drop[0]!) : [];
    return [...push, ...op.call(index), ...drop];
  }

  /** Instructions of `add` running `body` `times` times (its first extra local is the counter). */
  repeat(times: number, body: number[]): number[] {
    const i = ADD_PARAMS;
    return [
      ...op.i32Const(times), ...op.localSet(i),
      ...op.loop,
      ...body,
      ...op.localGet(i), ...op.i32Const(1), ...op.i32Sub, ...op.localTee(i), ...op.brIf(0),
      ...op.end,
    ];
  }

  /** `body` inside `try … catch_all end`: whatever the host throws is swallowed. */
  catchAll(body: number[]): number[] {
    return [...op.try, ...body, ...op.catchAll, ...op.end];
  }

  /**
   * Writes the plugin folder `<dir>/<name>` (meta.json and <name>.core.wasm). `add` runs
   * `addBody` and returns ok with an empty 1.1.0 result; the other verbs return ok. `realloc`
   * and `post` are instructions run first in cabi_realloc and in every cabi_post_*; `tables`
   * are tables the module defines besides; `globals` are i32 globals it exports (name → value).
   */
  write(dir: string, addBody: number[], opts: { realloc?: number[]; post?: number[]; tables?: LimitsSpec[]; globals?: Record<string, number> } = {}): void {
    const retAdd = this.scratch.alloc(12, 4);
    const retOther = this.scratch.alloc(16, 4);
    const verbs = WORLD.exports;
    const add = verbs.find((v) => v.name === "add")!;
    store(this.scratch, add.result!, { tag: "ok", val: '{"cniVersion":"1.1.0"}' }, retAdd);
    store(this.scratch, verbs.find((v) => v.name === "del")!.result!, { tag: "ok", val: undefined }, retOther);
    // Imports are all known once the bodies are built; now define the functions.
    const w = this.w;
    w.memory({ min: PAGES, max: PAGES });
    for (const t of opts.tables ?? []) w.table(t);
    const bump = w.global(HEAP);
    for (const v of verbs) {
      const params = paramsOf(v);
      const body = v.name === "add" ? [...addBody, ...op.i32Const(retAdd)] : op.i32Const(retOther);
      w.exportFunc(v.name, w.func(params, [I32], body, [I32]));
      w.exportFunc(`cabi_post_${v.name}`, w.func([I32], [], opts.post ?? []));
    }
    // cabi_realloc(old, oldSize, align, size): a bump allocator; local 4 is the block.
    const realloc = w.func([I32, I32, I32, I32], [I32], [
      ...(opts.realloc ?? []),
      ...op.globalGet(bump), ...op.localGet(2), ...op.i32Add, ...op.i32Const(1), ...op.i32Sub,
      ...op.i32Const(0), ...op.localGet(2), ...op.i32Sub, ...op.i32And, ...op.localTee(4),
      ...op.localGet(3), ...op.i32Add, ...op.globalSet(bump),
      ...op.localGet(4),
    ], [I32]);
    w.exportFunc("cabi_realloc", realloc);
    w.exportMemory("memory");
    for (const [name, value] of Object.entries(opts.globals ?? {})) w.exportGlobal(name, w.global(value));
    w.dataAt(DATA, this.view.subarray(DATA, DATA + this.top));
    const core = w.bytes();
    const out = join(dir, this.name);
    mkdirSync(out, { recursive: true });
    const main = `${this.name}.core.wasm`;
    writeFileSync(join(out, main), core);
    const meta: ComponentMeta = {
      name: this.name,
      world: "plugin",
      component: `${this.name}.wasm`,
      sha256: "0".repeat(64),
      imports: [...this.used].sort(),
      exports: verbs.map((v) => v.name).sort(),
      coreModules: { [main]: "0".repeat(64) },
      main,
    };
    writeFileSync(join(out, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  }
}
