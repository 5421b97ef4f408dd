// Builds one plugin folder into what the host loads:
//   <out>/<name>.wasm                 the component (what third parties ship)
//   <out>/<name>/<name>.core*.wasm    the component's core modules, as jco extracts them; the host
//                                     compiles and instantiates the main one (meta.main) itself
//   <out>/<name>/meta.json            imported interfaces (its capability list) and sha256s
// Steps: asc (asconfig.json: -O3, stub runtime, abort handler, --noUnsafe, a declared memory
// maximum; a plugin folder's own asconfig.json may extend it) → componentEmbed + componentNew →
// jco transpile (for its core modules; tests also use its glue, as a reference).
import asc from "assemblyscript/asc";
import { componentEmbed, componentNew, transpile } from "@bytecodealliance/jco";
import { buildSync } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { ComponentMeta } from "../host/runtime/load-component";
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
  /** Folder the plugin's file names in the binary are relative to. Default: the entry's folder. */
  baseDir?: string;
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
  // --baseDir the plugin folder: asc names the plugin's own files relative to it (`panic.ts`,
  // `assembly/index.ts`) and the SDK's `~lib/@wasm-cni/sdk/...`. These names end up in the binary
  // (abort messages, so panics say where), so no absolute or cwd-relative path may leak into it:
  // the same source builds to the same bytes in any folder.
  const { error } = await asc.main(
    [
      resolve(entry),
      "--baseDir", resolve(opts.baseDir ?? dirname(entry)),
      "--config", resolve(opts.asconfig ?? join(root, "asconfig.json")),
      "--target", opts.target ?? "release",
      "--outFile", "core.wasm",
    ],
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

/**
 * Transpiles a component with jco into `dir`: its core modules, and with `glue` jco's sync
 * instantiation glue as glue.cjs (the host does not use it; tests hold our ABI against it).
 */
export async function transpileComponent(name: string, component: Uint8Array, dir: string, world = WORLD, glue = false): Promise<PluginMeta> {
  const r = (await transpile(component, {
    name,
    instantiation: "sync",
    wasiShim: false,
    noWasiShim: true,
    base64Cutoff: 0, // never inline core wasm into the JS
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
  // jco names the module with the component's code <name>.core.wasm, its shims core2, core3...
  const main = `${name}.core.wasm`;
  if (!coreModules[main]) throw new Error(`jco transpile of ${name}: no ${main} among ${Object.keys(coreModules).join(", ")}`);
  if (glue) {
    const cjs = buildSync({
      stdin: { contents: js, loader: "js", sourcefile: `${name}.js` },
      format: "cjs",
      platform: "node",
      target: "node20",
      write: false,
      logLevel: "warning",
    }).outputFiles[0]!.text;
    writeFileSync(join(dir, "glue.cjs"), cjs);
  }
  return {
    name,
    world,
    component: `${name}.wasm`,
    sha256: sha256(component),
    imports: [...r.imports].sort(),
    exports: r.exports.map(([e]) => e).sort(),
    coreModules,
    main,
  };
}

/** Builds the plugin in `srcDir` into `outDir` (see the file header). */
export async function buildPlugin(srcDir: string, outDir: string, opts: BuildOptions = {}): Promise<PluginMeta> {
  const name = basename(resolve(srcDir));
  const ownConfig = join(srcDir, "asconfig.json"); // e.g. a larger maximumMemory; extends the root's
  const core = await compileCore(pluginEntry(srcDir), { baseDir: srcDir, ...opts, ...(existsSync(ownConfig) ? { asconfig: resolve(ownConfig) } : {}) });
  const component = withManifestFile(srcDir, await componentize(core, opts));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${name}.wasm`), component);
  const dir = join(outDir, name);
  const meta = await transpileComponent(name, component, dir, opts.world ?? WORLD);
  writeFileSync(join(dir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** Reads a built plugin's meta.json. */
export function readMeta(dir: string): PluginMeta {
  return JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as PluginMeta;
}
