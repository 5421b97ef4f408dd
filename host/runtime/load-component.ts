// Loads a plugin built by tools/plugin-build.ts (a folder with glue.cjs, the core modules and
// meta.json) and instantiates it with host functions. This file knows no grants, limits or
// plugin resolution: it turns jco's glue into typed exports with results as values.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";
import type { CniError, Request } from "../generated/interfaces/cni-host-verbs";

/** What tools/plugin-build.ts writes to meta.json. */
export interface ComponentMeta {
  name: string;
  world: string;
  /** File name of the component, beside the glue folder. */
  component: string;
  /** sha256 (hex) of the component. */
  sha256: string;
  /** Interfaces the component imports, as jco names them ("cni:host/link"): its capability list. */
  imports: string[];
  exports: string[];
  /** Core module file → sha256, in the glue folder. */
  coreModules: Record<string, string>;
  glue: string;
}

/** A verb's outcome: the guest's `result<T, cni-error>` as a discriminated value. */
export type VerbResult<T> = { ok: true; value: T } | { ok: false; error: CniError };

export interface PluginExports {
  add(req: Request): VerbResult<string>;
  del(req: Request): VerbResult<void>;
  check(req: Request): VerbResult<void>;
  status(req: Request): VerbResult<void>;
  gc(req: Request): VerbResult<void>;
  /** Bytes of linear memory the instance's core modules hold now (for the memory limit's message). */
  memoryBytes(): number;
}

export interface LoadedComponent {
  meta: ComponentMeta;
  /** Interfaces the component imports, unversioned as jco names them: "cni:host/link". */
  imports: string[];
  /**
   * Instantiates with host functions keyed by interface, versioned ("cni:host/link@0.1.0") or
   * not; each needs only the functions the glue destructures. Throws when one is missing.
   */
  instantiate(imports: Record<string, object>): PluginExports;
  /** V8's code cache of the glue as compiled so far (the build warms it, then stores it). */
  codeCache(): Buffer;
  /** The glue came from the code cache (false: none, or V8 rejected it). */
  glueCached: boolean;
}

// Node's typings (lib ES2022, no DOM) do not declare WebAssembly; this is what we use of it.
export type WasmModule = object;
type WasmMemory = { buffer: ArrayBuffer };
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => WasmModule;
    compile(bytes: Uint8Array): Promise<WasmModule>;
    Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
    Memory: abstract new (...args: never[]) => WasmMemory;
  };
}).WebAssembly;

/** Core modules by file name, compiled. */
export type CompiledModules = Map<string, WasmModule>;

function readMeta(dir: string): ComponentMeta {
  return JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as ComponentMeta;
}

/**
 * Starts compiling a plugin's core modules on V8's background threads, so that the work
 * overlaps whatever the main thread does meanwhile (reading stdin, validating the config).
 */
export function precompileComponent(dir: string): Promise<CompiledModules> {
  const meta = readMeta(dir);
  const files = Object.keys(meta.coreModules);
  return Promise.all(files.map((f) => Wasm.compile(readFileSync(join(dir, f))))).then(
    (modules) => new Map(files.map((f, i) => [f, modules[i] as WasmModule])),
  );
}

type CoreInstance = { exports: Record<string, unknown> };
type Glue = {
  instantiate(
    getCoreModule: (path: string) => WasmModule,
    imports: Record<string, object>,
    instantiateCore: (module: WasmModule, imports: object) => CoreInstance,
  ): Record<string, (req: Request) => unknown>;
};

/** Where plugin-build.ts puts V8's code cache of the glue, beside glue.cjs. */
export const GLUE_CACHE = "glue.cache";

/**
 * Evaluates glue.cjs (CommonJS, requires nothing) without Node's module resolver, with V8's
 * code cache when the build left one (saves ~1 ms per component; a stale or foreign cache is
 * rejected by V8 and the glue compiles as usual).
 */
function loadGlue(dir: string, file: string): { glue: Glue; script: Script } {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(join(dir, GLUE_CACHE));
  } catch {
    cachedData = undefined;
  }
  const source = `(function (module, exports) {${readFileSync(join(dir, file), "utf8")}\n})`;
  const script = new Script(source, { filename: join(dir, file), ...(cachedData && { cachedData }) });
  const mod = { exports: {} as Glue };
  (script.runInThisContext() as (m: typeof mod, e: Glue) => void)(mod, mod.exports);
  return { glue: mod.exports, script };
}

/** jco's glue throws its own ComponentError (payload = the err value) for an err result. */
function isComponentError(e: unknown): e is Error & { payload: CniError } {
  return e instanceof Error && e.constructor.name === "ComponentError" && "payload" in e;
}

function asResult<T>(call: () => T): VerbResult<T> {
  try {
    return { ok: true, value: call() };
  } catch (e) {
    if (isComponentError(e)) return { ok: false, error: e.payload };
    throw e; // a trap or a host bug: not a value
  }
}

/** Both spellings of every import key: jco's glue reads the unversioned one (jco#708). */
function withBothKeys(imports: Record<string, object>): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [key, value] of Object.entries(imports)) {
    const bare = key.replace(/@[^/@]*$/, "");
    out[bare] = value;
    out[key] = value;
  }
  return out;
}

/**
 * Reads and compiles a built plugin folder (or takes modules precompiled for it);
 * instantiate() may be called more than once.
 */
export function loadComponent(dir: string, compiled?: CompiledModules): LoadedComponent {
  const meta = readMeta(dir);
  const { glue, script } = loadGlue(dir, meta.glue);
  const modules = new Map<string, WasmModule>();
  for (const file of Object.keys(meta.coreModules)) {
    modules.set(file, compiled?.get(file) ?? new Wasm.Module(readFileSync(join(dir, file))));
  }
  const getCoreModule = (path: string): WasmModule => {
    const m = modules.get(path);
    if (!m) throw new Error(`plugin ${meta.name}: glue asked for unknown core module ${path}`);
    return m;
  };
  return {
    meta,
    imports: [...meta.imports],
    codeCache: () => script.createCachedData(),
    glueCached: script.cachedDataRejected === false,
    instantiate(imports) {
      // jco's own default, plus a note of each memory so the host can tell a full one.
      const memories: WasmMemory[] = [];
      const ex = glue.instantiate(getCoreModule, withBothKeys(imports), (module, coreImports) => {
        const instance = new Wasm.Instance(module, coreImports);
        for (const v of Object.values(instance.exports)) if (v instanceof Wasm.Memory) memories.push(v);
        return instance;
      });
      const verb = <T>(name: string) => (req: Request): VerbResult<T> => {
        const f = ex[name];
        if (!f) throw new Error(`plugin ${meta.name} does not export ${name}`);
        return asResult(() => f(req) as T);
      };
      return {
        add: verb<string>("add"),
        del: verb<void>("del"),
        check: verb<void>("check"),
        status: verb<void>("status"),
        gc: verb<void>("gc"),
        memoryBytes: () => memories.reduce((sum, m) => sum + m.buffer.byteLength, 0),
      };
    },
  };
}
