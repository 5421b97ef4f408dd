// Builds one plugin folder into what the host loads:
//   <out>/<name>.wasm                 the component (what third parties ship)
//   <out>/<name>/glue.cjs             jco's sync instantiation glue as CommonJS (no wasm inlined)
//   <out>/<name>/<name>.core*.wasm    the core modules the glue asks for (host compiles them)
//   <out>/<name>/meta.json            imported interfaces (its capability list) and sha256s
// Steps: asc (asconfig.json: -O3, stub runtime, abort handler, --noUnsafe, a declared memory
// maximum; a plugin folder's own asconfig.json may extend it) → componentEmbed + componentNew →
// jco transpile --instantiation sync --no-wasi-shim → esbuild to CJS, with the glue's string
// decoder taken from the host (host/runtime/guest-strings.ts).
import asc from "assemblyscript/asc";
import { componentEmbed, componentNew, transpile } from "@bytecodealliance/jco";
import { buildSync } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { GUEST_STRINGS } from "../host/runtime/guest-strings";
import { type ComponentMeta, GLUE_CACHE, loadComponent } from "../host/runtime/load-component";
import { withManifestFile } from "./plugin-manifest";

export const WORLD = "plugin";

/** What meta.json holds; the host reads the same record (host/runtime/load-component.ts). */
export type PluginMeta = ComponentMeta;

export interface BuildOptions {
  /** Repository root (asconfig.json, wit/). Default: cwd. */
  root?: string;
  /** asconfig target. Default "release". */
  target?: string;
  /** WIT folder, relative to root. Default "wit". */
  wit?: string;
  /** World to embed. Default "plugin". */
  world?: string;
  /** asconfig.json to compile with. Default: the root's. */
  asconfig?: string;
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** The entry file of a plugin folder: `<name>.ts`, else `index.ts`, else `assembly/index.ts`. */
export function pluginEntry(srcDir: string): string {
  const name = basename(resolve(srcDir));
  for (const f of [`${name}.ts`, "index.ts", "assembly/index.ts"]) if (existsSync(join(srcDir, f))) return join(srcDir, f);
  throw new Error(`plugin ${srcDir}: no ${name}.ts, index.ts or assembly/index.ts`);
}

/** asc → core module bytes. Throws with asc's diagnostics on failure. */
export async function compileCore(entry: string, opts: BuildOptions = {}): Promise<Uint8Array> {
  const root = resolve(opts.root ?? ".");
  let out: Uint8Array | null = null;
  let log = "";
  const sink = { write: (s: string | Uint8Array) => ((log += s.toString()), true) };
  const { error } = await asc.main(
    [resolve(entry), "--config", opts.asconfig ?? join(root, "asconfig.json"), "--target", opts.target ?? "release", "--outFile", "core.wasm"],
    {
      stdout: sink as never,
      stderr: sink as never,
      writeFile: (name: string, contents: Uint8Array | string) => {
        if (name.endsWith(".wasm")) out = typeof contents === "string" ? Buffer.from(contents) : contents;
      },
    },
  );
  if (error || !out) throw new Error(`asc ${entry}: ${error?.message ?? "no output"}\n${log}`);
  return out;
}

/** Core module → component, embedding the world from wit/. */
export async function componentize(core: Uint8Array, opts: BuildOptions = {}): Promise<Uint8Array> {
  // An absolute witPath: jco's wasm-tools reads it through the preview2 shim, which resolves
  // paths against its preopened "/" only.
  const witPath = resolve(opts.root ?? ".", opts.wit ?? "wit");
  const embedded = await componentEmbed({ binary: core, witPath, world: opts.world ?? WORLD, stringEncoding: "utf8" });
  return componentNew(embedded, []);
}

/** Transpiles a component into `dir` (glue.cjs, core modules) and returns the meta record. */
export async function transpileComponent(name: string, component: Uint8Array, dir: string, world = WORLD): Promise<PluginMeta> {
  const r = (await transpile(component, {
    name,
    instantiation: "sync",
    wasiShim: false,
    noWasiShim: true,
    base64Cutoff: 0, // never inline core wasm into the JS: the host compiles the files
    quiet: true,
  } as never)) as { files: Record<string, Uint8Array>; imports: string[]; exports: [string, string][] };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const coreModules: Record<string, string> = {};
  let js = "";
  for (const [file, bytes] of Object.entries(r.files)) {
    if (file.endsWith(".wasm")) {
      writeFileSync(join(dir, file), bytes);
      coreModules[file] = sha256(bytes);
    } else if (file === `${name}.js`) {
      js = Buffer.from(bytes).toString("utf8");
    }
  }
  const cjs = buildSync({
    stdin: { contents: js, loader: "js", sourcefile: `${name}.js` },
    format: "cjs",
    platform: "node",
    target: "node20",
    write: false,
    logLevel: "warning",
  }).outputFiles[0]!.text;
  writeFileSync(join(dir, "glue.cjs"), withHostStringDecoder(cjs));
  return {
    name,
    world,
    component: `${name}.wasm`,
    sha256: sha256(component),
    imports: [...r.imports].sort(),
    exports: r.exports.map(([e]) => e).sort(),
    coreModules,
    glue: "glue.cjs",
  };
}

/** jco's glue makes its string decoder once per instance, in exactly this line. */
const GLUE_DECODER = "const utf8Decoder = new TextDecoder();";

/**
 * Makes the glue lift every guest string with the host's decoder (size limit, strict UTF-8;
 * host/runtime/guest-strings.ts), or a strict one when the host passes none. Fails the build
 * when jco's glue no longer has the line, so a jco upgrade cannot drop the check unnoticed.
 */
function withHostStringDecoder(glue: string): string {
  const parts = glue.split(GLUE_DECODER);
  if (parts.length !== 2) throw new Error(`jco glue: expected "${GLUE_DECODER}" once, found it ${parts.length - 1} times`);
  return parts.join(`const utf8Decoder = imports[${JSON.stringify(GUEST_STRINGS)}] ?? new TextDecoder("utf-8", { fatal: true });`);
}

/**
 * Stores V8's code cache of the glue (glue.cache): compiled, then warmed by instantiating
 * with host functions that are never called (instantiation calls none), so the cache holds
 * the instantiate path too. Made by the node that builds, which is the node that runs us.
 */
function writeGlueCache(dir: string): void {
  // Compile every function of the glue now, not when first called, so the cache holds them all.
  setFlagsFromString("--no-lazy");
  const component = loadComponent(dir);
  setFlagsFromString("--lazy");
  const never = new Proxy({}, { get: (_t, key) => (typeof key === "string" ? () => { throw new Error(`stub ${key}`); } : undefined) });
  const imports = Object.fromEntries(component.imports.map((i) => [i, never]));
  try {
    component.instantiate(imports);
  } catch {
    // a plugin whose start code calls out cannot be warmed: the cache holds the compile only
  }
  writeFileSync(join(dir, GLUE_CACHE), component.codeCache());
}

/** Builds the plugin in `srcDir` into `outDir` (see the file header). */
export async function buildPlugin(srcDir: string, outDir: string, opts: BuildOptions = {}): Promise<PluginMeta> {
  const name = basename(resolve(srcDir));
  const ownConfig = join(srcDir, "asconfig.json"); // e.g. a larger maximumMemory; extends the root's
  const core = await compileCore(pluginEntry(srcDir), existsSync(ownConfig) ? { ...opts, asconfig: resolve(ownConfig) } : opts);
  const component = withManifestFile(srcDir, await componentize(core, opts));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${name}.wasm`), component);
  const dir = join(outDir, name);
  const meta = await transpileComponent(name, component, dir, opts.world ?? WORLD);
  writeFileSync(join(dir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  writeGlueCache(dir);
  return meta;
}

/** Reads a built plugin's meta.json. */
export function readMeta(dir: string): PluginMeta {
  return JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as PluginMeta;
}
