// Loads a plugin built by tools/plugin-build.ts (a folder with the core modules and meta.json)
// and instantiates its main core module with host functions, through the canonical ABI tables
// generated from the WIT (host/generated/abi.ts). This file knows no grants, limits or plugin
// resolution: it turns the component's exports into typed functions with results as values.
import { readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { View } from "../generated/interfaces/cni-host-cluster";
import type { CniError, Request } from "../generated/interfaces/cni-host-verbs";
import { instantiateCore, type WasmModule } from "./abi/instance";
import type { StringDecoder } from "./abi/lift-lower";
import { type ComponentMeta, readMeta } from "./component-meta";
import { worldAbi } from "./worlds";

export type { WasmModule } from "./abi/instance";
export type { ComponentMeta } from "./component-meta";

/** A verb's outcome: the guest's `result<T, cni-error>` as a discriminated value. */
export type VerbResult<T> = { ok: true; value: T } | { ok: false; error: CniError };

export interface PluginExports {
  add(req: Request): VerbResult<string>;
  del(req: Request): VerbResult<void>;
  check(req: Request): VerbResult<void>;
  status(req: Request): VerbResult<void>;
  gc(req: Request): VerbResult<void>;
  /** Bytes of linear memory the instance holds now (for the memory limit's message). */
  memoryBytes(): number;
}

/** The export of world controller (run-controller.ts). */
export interface ControllerExports {
  reconcile(view: View): VerbResult<void>;
  /** Bytes of linear memory the instance holds now (for the memory limit's message). */
  memoryBytes(): number;
}

export interface LoadedComponent {
  /** The plugin's folder; its component is `meta.component` beside it. */
  dir: string;
  meta: ComponentMeta;
  /** The main core module's bytes, as compiled (the memory limit is read from them). */
  mainBytes: Uint8Array;
  /** Interfaces the component imports, unversioned as jco names them: "cni:host/link". */
  imports: string[];
  /**
   * Instantiates with host functions keyed by interface, versioned ("cni:host/link@0.1.0") or
   * not; each needs only the functions the plugin imports. Throws when one is missing.
   * Strings from the guest go through `strings` (size limit, strict UTF-8) when given.
   */
  instantiate(imports: Record<string, object>, strings?: StringDecoder): PluginExports;
  /** As instantiate, for a component of world controller (meta.world says which it is). */
  instantiateController(imports: Record<string, object>, strings?: StringDecoder): ControllerExports;
}

const Wasm = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule; compile(bytes: Uint8Array): Promise<WasmModule> };
}).WebAssembly;

/** A main core module compiled ahead of time, with its meta and the bytes it was compiled from. */
export interface Precompiled {
  meta: ComponentMeta;
  bytes: Uint8Array;
  module: WasmModule;
}

/** A module compiled ahead of any call by a prestarted host, with the files it came from. */
interface Kept extends Precompiled {
  /** meta.json's and the main module's identity when they were read (see fileIdentity). */
  files: string;
}
const kept = new Map<string, Kept>();

/**
 * Which file this is and whether it changed since: device, inode, size and ctime, which
 * every write, rename onto it or chmod moves on (and which a process cannot set back).
 * The kernel's clock for ctime is coarse (a few ms), so a file changed within the last
 * KEEP_AFTER_MS is not kept: a second change in the same tick would not show.
 */
function fileIdentity(path: string): { id: string; ageMs: number } {
  const s = statSync(path, { bigint: true });
  return { id: `${s.dev}:${s.ino}:${s.size}:${s.ctimeNs}`, ageMs: Date.now() - Number(s.ctimeNs / 1_000_000n) };
}
const KEEP_AFTER_MS = 100;

function keptFiles(dir: string, main: string): { id: string; ageMs: number } {
  const [meta, module] = [fileIdentity(join(dir, "meta.json")), fileIdentity(join(dir, main))];
  return { id: `${meta.id}/${module.id}`, ageMs: Math.min(meta.ageMs, module.ageMs) };
}

/** Compiles a plugin's main core module now and keeps it for the calls of this process. */
export function keepCompiled(dir: string): void {
  const meta = readMeta(dir);
  const files = keptFiles(dir, meta.main);
  const bytes = readFileSync(join(dir, meta.main));
  // Checked again after: a file replaced while it was read is not kept as what was read.
  const module = new Wasm.Module(bytes);
  if (files.ageMs >= KEEP_AFTER_MS && keptFiles(dir, meta.main).id === files.id) kept.set(dir, { meta, bytes, module, files: files.id });
}

/**
 * Starts compiling a plugin's main core module on V8's background threads, so that the work
 * overlaps whatever the main thread does meanwhile (reading stdin, validating the config).
 * A module kept by keepCompiled is used, without reading the files, while both files are
 * the very ones it was read from (a plugin replaced since is read and compiled afresh).
 */
export function precompileComponent(dir: string): Promise<Precompiled> {
  const known = kept.get(dir);
  if (known !== undefined) {
    try {
      if (keptFiles(dir, known.meta.main).id === known.files) return Promise.resolve(known);
    } catch {
      // gone: read below, which reports it
    }
  }
  const meta = readMeta(dir);
  const bytes = readFileSync(join(dir, meta.main));
  return Wasm.compile(bytes).then((module) => ({ meta, bytes, module }));
}

/** Reads and compiles a built plugin folder (or takes its main module precompiled); instantiate() may be called more than once. */
export function loadComponent(dir: string, compiled?: Precompiled): LoadedComponent {
  const meta = compiled?.meta ?? readMeta(dir);
  const bytes = compiled?.bytes ?? readFileSync(join(dir, meta.main));
  const module = compiled?.module ?? new Wasm.Module(bytes);
  return {
    dir,
    meta,
    mainBytes: bytes,
    imports: [...meta.imports],
    instantiate(imports, strings) {
      // Named by its folder (what the call asked for), not by meta.json's "name", which anyone who can write the folder writes.
      const core = instantiateCore(module, worldAbi("plugin"), imports, basename(dir), strings);
      const verb = <T>(name: string) => (req: Request): VerbResult<T> => asVerbResult<T>(core.call(name, [req]));
      return {
        add: verb<string>("add"),
        del: verb<void>("del"),
        check: verb<void>("check"),
        status: verb<void>("status"),
        gc: verb<void>("gc"),
        memoryBytes: () => core.memoryBytes(),
      };
    },
    instantiateController(imports, strings) {
      const core = instantiateCore(module, worldAbi("controller"), imports, basename(dir), strings);
      return {
        reconcile: (view) => asVerbResult<void>(core.call("reconcile", [view])),
        memoryBytes: () => core.memoryBytes(),
      };
    },
  };
}

/** The guest's `result<T, cni-error>`, as the ABI lifts it, as a VerbResult. */
function asVerbResult<T>(r: unknown): VerbResult<T> {
  const v = r as { tag: "ok"; val: T } | { tag: "err"; val: CniError };
  return v.tag === "ok" ? { ok: true, value: v.val } : { ok: false, error: v.val };
}
