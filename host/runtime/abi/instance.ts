// A component's main core module, instantiated with host functions lowered through the
// canonical ABI tables of its world. This replaces jco's per-component glue at run time (and
// with it the shim and fixup modules wit-component adds for imports that need cabi_realloc: a
// JS import can reach the guest's allocator after instantiation, so the host needs neither).
import type { AbiFunc, AbiWorld } from "./types";
import { AbiTrap, GuestMemory, type StringDecoder, liftFlat, load, lowerFlat, store } from "./lift-lower";
import { GuestPanic, readPanic } from "../guest-panic";

// Node's typings (lib ES2022, no DOM) do not declare WebAssembly; this is what we use of it.
export type WasmModule = object;
type CoreFn = (...args: unknown[]) => unknown;
interface ImportDescriptor { module: string; name: string; kind: string }
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    Module: { imports(m: WasmModule): ImportDescriptor[] };
    Instance: new (m: WasmModule, imports: Record<string, Record<string, CoreFn>>) => { exports: Record<string, unknown> };
  };
}).WebAssembly;

/** The module cannot be linked with the host: an import the world does not define or the host does not provide, no memory. */
export class CoreLinkError extends Error {
  override readonly name = "CoreLinkError";
}

/** A host function's err: what it throws with an own `payload` (host/caps/errors.ts). */
function errPayload(e: unknown): { payload: unknown } | undefined {
  return typeof e === "object" && e !== null && Object.hasOwn(e, "payload") ? (e as { payload: unknown }) : undefined;
}

/**
 * What the host holds against one instance, whatever the guest does about it. A host call
 * that fails other than with its WIT error (a limit, an ABI violation, a string that is not
 * UTF-8, a host bug) throws into the guest, where Wasm exception handling (`try`/`catch_all`)
 * could catch it and carry on: so the first such error is kept, every later host call throws
 * it again at once, and the host ends the call with it when the guest returns. The canonical
 * ABI forbids host calls from `cabi_realloc` and `cabi_post_*`: one made there is such an error.
 */
class Faults {
  private first: { error: unknown } | undefined;
  /** The guest function the host is inside of, when it forbids host calls. */
  private inside: string | undefined;
  /** What a trap of guest code becomes (a GuestPanic when the guest left a panic record). */
  private explain: (e: unknown) => unknown = (e) => e;

  constructor(private readonly label: string) {}

  /** Throws the kept error, if any. */
  rethrow(): void {
    if (this.first) throw this.first.error;
  }

  /** Keeps `e` (unless an earlier error is kept) and throws the kept one. */
  fail(e: unknown): never {
    this.first ??= { error: e };
    throw this.first.error;
  }

  /** Before a host call: throws the kept error, or an AbiTrap inside cabi_realloc/cabi_post_*. */
  enter(fn: string): void {
    this.rethrow();
    if (this.inside !== undefined) this.fail(new AbiTrap(`plugin ${this.label} called ${fn} from ${this.inside}, where the canonical ABI allows no host call`));
  }

  /** Runs guest function `name` (cabi_realloc, cabi_post_*) with host calls forbidden. */
  forbidHostCalls<T>(name: string, fn: () => T): T {
    const outer = this.inside;
    this.inside = name;
    try {
      return fn();
    } finally {
      this.inside = outer;
    }
  }

  /** Sets what a trap of guest code becomes, once the instance's memory can be read. */
  explainTraps(explain: (e: unknown) => unknown): void {
    this.explain = explain;
  }

  /**
   * Runs guest code (the start function, an export): afterwards, or when it traps, a kept
   * error wins, over the guest's own account of its trap too.
   */
  guest<T>(fn: () => T): T {
    let value: T;
    try {
      value = fn();
    } catch (e) {
      this.rethrow();
      throw this.explain(e);
    }
    this.rethrow();
    return value;
  }
}

/** The core function the guest calls for host function `f`: lifts, calls `impl`, lowers. */
function lowerImport(memory: () => GuestMemory, f: AbiFunc, impl: CoreFn, faults: Faults, fn: string): CoreFn {
  return (...core: unknown[]): unknown => {
    faults.enter(fn);
    try {
      return liftCallLower(memory(), f, impl, core);
    } catch (e) {
      return faults.fail(e); // not a WIT error value: see Faults
    }
  };
}

/** One host call: lifts the arguments, calls `impl` (its WIT error a value), lowers the result. */
function liftCallLower(mem: GuestMemory, f: AbiFunc, impl: CoreFn, core: unknown[]): unknown {
  const retptr = f.resultInMemory ? Number(core.pop()) >>> 0 : undefined;
  let args: unknown[];
  if (f.spilledParams) {
    args = load(mem, f.spilledParams, Number(core[0]) >>> 0) as unknown[];
  } else {
    const r = { values: core, at: 0 };
    args = new Array<unknown>(f.params.length);
    for (let i = 0; i < args.length; i++) args[i] = liftFlat(mem, f.params[i]!, r);
  }
  let value: unknown;
  if (f.result?.k === "result") {
    try {
      value = { tag: "ok", val: impl(...args) };
    } catch (e) {
      const err = errPayload(e);
      if (!err) throw e; // not a WIT error: a host bug or a limit, which ends the call
      value = { tag: "err", val: err.payload };
    }
  } else {
    value = impl(...args);
  }
  if (!f.result) return undefined;
  if (retptr !== undefined) return void store(mem, f.result, value, retptr);
  const out: unknown[] = [];
  lowerFlat(mem, f.result, value, out);
  return out[0];
}

/** An instantiated core module: its exports, called with JS values. */
export interface CoreInstance {
  /** Calls export `name` with `args` (JS values of its WIT types); returns its result as a JS value. */
  call(name: string, args: unknown[]): unknown;
  /** Bytes of linear memory the instance holds now. */
  memoryBytes(): number;
}

/**
 * Instantiates `module` with the host functions in `imports` (keyed by qualified interface
 * name, with or without version, then by jco's camelCase function name). Throws when the
 * module imports something the world does not define or the caller did not provide.
 */
export function instantiateCore(
  module: WasmModule, world: AbiWorld, imports: Record<string, object>, label: string, strings?: StringDecoder,
): CoreInstance {
  let mem: GuestMemory | undefined;
  const faults = new Faults(label);
  const memory = (): GuestMemory => {
    if (!mem) throw new AbiTrap(`plugin ${label} called the host before it was instantiated`);
    return mem;
  };
  const importObject: Record<string, Record<string, CoreFn>> = {};
  for (const imp of Wasm.Module.imports(module)) {
    const f = world.imports[imp.module]?.find((x) => x.name === imp.name);
    if (imp.kind !== "function" || !f) throw new CoreLinkError(`plugin ${label} imports ${imp.module}#${imp.name} (${imp.kind}), which its world does not define`);
    const impl = (imports[imp.module] ?? imports[imp.module.replace(/@[^/@]*$/, "")]) as Record<string, unknown> | undefined;
    const fn = impl?.[f.js];
    if (typeof fn !== "function") throw new CoreLinkError(`plugin ${label} imports ${imp.module}#${imp.name}, which the host did not provide`);
    (importObject[imp.module] ??= {})[imp.name] = lowerImport(memory, f, (...args) => (fn as CoreFn).apply(impl, args), faults, `${imp.module}#${imp.name}`);
  }
  // The start function (AssemblyScript's top-level code) runs here.
  const { exports } = faults.guest(() => {
    try {
      return new Wasm.Instance(module, importObject);
    } catch (e) {
      // WebAssembly.LinkError: an import's type does not match the host function's.
      if ((e as Error)?.constructor?.name === "LinkError") throw new CoreLinkError(`plugin ${label}: ${(e as Error).message}`);
      throw e;
    }
  });
  const memoryExport = exports.memory as { buffer: ArrayBuffer } | undefined;
  if (!memoryExport) throw new CoreLinkError(`plugin ${label} exports no memory`);
  const realloc = exports.cabi_realloc as ((a: number, b: number, c: number, d: number) => number) | undefined;
  // An engine trap after the SDK's abort handler filled its panic record (guest-panic.ts). The
  // start function's traps stay plain: the instance, and so its memory, never came to be.
  faults.explainTraps((e) => {
    if ((e as Error)?.constructor?.name !== "RuntimeError") return e;
    const report = readPanic(exports, memoryExport.buffer);
    return report ? new GuestPanic(report, e) : e;
  });
  mem = new GuestMemory(memoryExport, realloc && ((a, b, c, d) => faults.guest(() => faults.forbidHostCalls("cabi_realloc", () => realloc(a, b, c, d)))), strings);
  const guest = mem;

  return {
    memoryBytes: () => memoryExport.buffer.byteLength,
    call(name, args) {
      const f = world.exports.find((x) => x.name === name);
      const fn = exports[name] as CoreFn | undefined;
      if (!f || typeof fn !== "function") throw new Error(`plugin ${label} does not export ${name}`);
      const core: unknown[] = [];
      if (f.spilledParams) {
        const ptr = guest.alloc(f.spilledParams.size, f.spilledParams.align);
        store(guest, f.spilledParams, args, ptr);
        core.push(ptr);
      } else {
        f.params.forEach((p, i) => lowerFlat(guest, p, args[i], core));
      }
      const ret = faults.guest(() => fn(...core));
      let value: unknown;
      if (f.result) {
        value = f.resultInMemory ? load(guest, f.result, Number(ret) >>> 0) : liftFlat(guest, f.result, { values: [ret], at: 0 });
      }
      const post = exports[`cabi_post_${name}`] as CoreFn | undefined;
      if (post) faults.guest(() => faults.forbidHostCalls(`cabi_post_${name}`, () => post(ret)));
      return value;
    },
  };
}
