// A plugin folder's source → its component, with the folder's manifest.json embedded: asc
// (the SDK's preset asconfig.plugin.json, or the folder's own asconfig.json extending it) →
// componentEmbed of the world from wit/ + componentNew → the manifest as a custom section.
// Shared by tools/plugin-build.ts (this repo's build) and the SDK's `wasm-cni-build` command
// (tools/wasm-cni-build.ts, bundled into the package), so both make the same bytes; it imports
// nothing but asc, jco and our manifest code. No path or time may reach the bytes: the same
// source builds to the same sha256 in any folder.
import asc from "assemblyscript/asc";
import { componentEmbed, componentNew } from "@bytecodealliance/jco";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { manifestWorld, withManifestFile } from "./plugin-manifest";

export const WORLD = "plugin";

export interface BuildOptions {
  /** Repository root (asconfig.json, wit/). Default: cwd. */
  root?: string;
  /** asconfig target. Default "release". */
  target?: string;
  /** WIT folder, relative to root. Default "wit". */
  wit?: string;
  /** World to embed. Default: the folder's manifest.json "world", else "plugin". */
  world?: string;
  /** asconfig.json to compile with. Default: the root's. */
  asconfig?: string;
  /** Folder the plugin's file names in the binary are relative to. Default: the entry's folder. */
  baseDir?: string;
}

/** The entry file of a plugin folder: `<name>.ts`, else `index.ts`, else `assembly/index.ts`. */
export function pluginEntry(srcDir: string): string {
  const name = basename(resolve(srcDir));
  for (const f of [`${name}.ts`, "index.ts", "assembly/index.ts"]) if (existsSync(join(srcDir, f))) return join(srcDir, f);
  throw new Error(`plugin ${srcDir}: no ${name}.ts, index.ts or assembly/index.ts`);
}

/**
 * Checks that `file` and every asconfig it `extends` exist: asc skips a missing one silently and
 * builds without the preset's options (no abort handler, no memory maximum, unsafe code allowed).
 */
export function checkAsconfig(file: string, seen = new Set<string>()): void {
  if (seen.has(file)) return;
  seen.add(file);
  if (!existsSync(file)) throw new Error(`asconfig ${file}: no such file`);
  let ext: unknown;
  try {
    ext = (JSON.parse(readFileSync(file, "utf8")) as { extends?: unknown }).extends;
  } catch (e) {
    throw new Error(`asconfig ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (ext === undefined) return;
  if (typeof ext !== "string") throw new Error(`asconfig ${file}: "extends" is not a string`);
  const dir = dirname(file);
  let next: string;
  try {
    next = ext.startsWith(".") || ext.startsWith("/") ? resolve(dir, ext) : createRequire(join(dir, "_")).resolve(ext); // as asc resolves it
  } catch {
    throw new Error(`asconfig ${file}: extends ${ext}, which is not found`);
  }
  checkAsconfig(next, seen);
}

/** asc → core module bytes. Throws with asc's diagnostics on failure. */
export async function compileCore(entry: string, opts: BuildOptions = {}): Promise<Uint8Array> {
  const root = resolve(opts.root ?? ".");
  const config = resolve(opts.asconfig ?? join(root, "asconfig.json"));
  checkAsconfig(config);
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
      "--config", config,
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
 * The component of the plugin in `srcDir`, its manifest.json embedded (see the file header),
 * of the world its manifest names (`"world": "controller"`) unless `opts.world` says.
 */
export async function buildComponent(srcDir: string, opts: BuildOptions = {}): Promise<Uint8Array> {
  const ownConfig = join(srcDir, "asconfig.json"); // e.g. a larger maximumMemory; extends the preset
  const world = opts.world ?? manifestWorld(srcDir);
  const core = await compileCore(pluginEntry(srcDir), { baseDir: srcDir, ...opts, ...(existsSync(ownConfig) ? { asconfig: resolve(ownConfig) } : {}) });
  return withManifestFile(srcDir, await componentize(core, { ...opts, world }));
}
