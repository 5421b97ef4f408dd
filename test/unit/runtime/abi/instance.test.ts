// The sticky faults of abi/instance.ts, on modules written by hand with Wasm exception handling.
import { describe, expect, it } from "vitest";
import { instantiateCore, type WasmModule } from "../../../../host/runtime/abi/instance";
import { AbiTrap } from "../../../../host/runtime/abi/lift-lower";
import type { AbiFunc, AbiType, AbiWorld } from "../../../../host/runtime/abi/types";
import { I32, op, WasmBuilder } from "../../../helpers/wasm-builder";

const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => WasmModule } }).WebAssembly;
const STRING: AbiType = { k: "string", size: 8, align: 4, flat: ["i32", "i32"] };
const fn = (name: string, params: AbiType[] = []): AbiFunc => ({ name, js: name, params, result: null, spilledParams: null, resultInMemory: false });
const WORLD: AbiWorld = { imports: { t: [fn("f")] }, exports: [fn("run"), fn("take", [STRING])] };

/** A module importing t#f; `run` and `take` (and the start function, cabi_realloc) built by `build`. */
function module(build: (w: WasmBuilder, f: number) => { run: number[]; start?: number[]; realloc?: number[] }): WasmModule {
  const w = new WasmBuilder();
  const f = w.importFunc("t", "f", [], []);
  const { run, start, realloc } = build(w, f);
  w.memory({ min: 1, max: 1 });
  w.exportMemory("memory");
  w.exportFunc("run", w.func([], [], run));
  w.exportFunc("take", w.func([I32, I32], [], []));
  w.exportFunc("cabi_realloc", w.func([I32, I32, I32, I32], [I32], [...(realloc ?? []), ...op.i32Const(1024)]));
  if (start) w.startFunc(w.func([], [], start));
  return new Wasm.Module(w.bytes());
}
const catchAll = (body: number[]): number[] => [...op.try, ...body, ...op.catchAll, ...op.end];

describe("what the host throws into a guest sticks", () => {
  it("a host bug the guest catches still ends the export with it, and later host calls never reach the host", () => {
    let calls = 0;
    const bug = new Error("host bug");
    const m = module((_w, f) => ({ run: [...catchAll(op.call(f)), ...catchAll(op.call(f)), ...catchAll(op.call(f))] }));
    const core = instantiateCore(m, WORLD, { t: { f: () => { calls++; throw bug; } } }, "p");
    expect(() => core.call("run", [])).toThrow(bug);
    expect(calls).toBe(1);
  });

  it("host calls that succeed go on as usual", () => {
    let calls = 0;
    const m = module((_w, f) => ({ run: [...op.call(f), ...op.call(f)] }));
    const core = instantiateCore(m, WORLD, { t: { f: () => void calls++ } }, "p");
    core.call("run", []);
    expect(calls).toBe(2);
  });

  it("a host call from the start function (before instantiation ends) fails instantiation, even when caught", () => {
    const m = module((_w, f) => ({ run: [], start: catchAll(op.call(f)) }));
    expect(() => instantiateCore(m, WORLD, { t: { f: () => {} } }, "p")).toThrow(/plugin p called the host before it was instantiated/);
  });

  it("a host call from cabi_realloc is an AbiTrap, even when realloc catches it", () => {
    let calls = 0;
    const m = module((_w, f) => ({ run: [], realloc: catchAll(op.call(f)) }));
    const core = instantiateCore(m, WORLD, { t: { f: () => void calls++ } }, "p");
    expect(() => core.call("take", ["a string the host allocates"])).toThrow(AbiTrap);
    expect(() => core.call("take", ["again"])).toThrow(/called t#f from cabi_realloc, where the canonical ABI allows no host call/);
    expect(calls).toBe(0);
  });
});
