// Builds one plugin folder into what the host loads:
//   <out>/<name>.wasm                 the component (what third parties ship)
//   <out>/<name>/<name>.core*.wasm    the component's core modules, as jco extracts them; the host
//                                     compiles and instantiates the main one (meta.main) itself
//   <out>/<name>/meta.json            imported interfaces (its capability list) and sha256s
// Steps: the component (tools/plugin-component.ts: asc with asconfig.json, which extends the
// SDK's preset guest-plugins/sdk/asconfig.plugin.json → componentEmbed + componentNew → the
// manifest) → jco transpile (for its core modules; tests also use its glue, as a reference).
import { transpile } from "@bytecodealliance/jco";
import { buildSync } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ComponentMeta } from "../host/runtime/load-component";
import { buildComponent, WORLD, type BuildOptions } from "./plugin-component";
import { manifestWorld } from "./plugin-manifest";
import type { WorldName } from "../host/runtime/worlds";

export { buildComponent, compileCore, componentize, pluginEntry, WORLD, type BuildOptions } from "./plugin-component";

/** What meta.json holds; the host reads the same record (host/runtime/load-component.ts). */
export type PluginMeta = ComponentMeta;

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");


/**
 * Transpiles a component with jco into `dir`: its core modules, and with `glue` jco's sync
 * instantiation glue as glue.cjs (the host does not use it; tests hold our ABI against it).
 */
export async function transpileComponent(name: string, component: Uint8Array, dir: string, world: string = WORLD, glue = false): Promise<PluginMeta> {
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
    world: world as WorldName, // a test's own world (roundtrip's "extra") is never loaded by the host
    component: `${name}.wasm`,
    sha256: sha256(component),
    imports: [...r.imports].sort(),
    exports: r.exports.map(([e]) => e).sort(),
    coreModules,
    main,
  };
}

/** Builds the plugin in `srcDir` into `outDir` (see the file header), of its manifest's world. */
export async function buildPlugin(srcDir: string, outDir: string, opts: BuildOptions = {}): Promise<PluginMeta> {
  const name = basename(resolve(srcDir));
  const world = opts.world ?? manifestWorld(srcDir);
  const component = await buildComponent(srcDir, { ...opts, world });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${name}.wasm`), component);
  const dir = join(outDir, name);
  const meta = await transpileComponent(name, component, dir, world);
  writeFileSync(join(dir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** Reads a built plugin's meta.json. */
export function readMeta(dir: string): PluginMeta {
  return JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as PluginMeta;
}
