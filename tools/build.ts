// `npm run build` (and so `npm ci`): everything the binary needs, from source.
//   1. native/      the N-API addon (setns, netlink sockets, flock), via node-gyp
//   2. plugins      guest-plugins/<name>/ → dist/plugins/<name>.wasm + transpiled glue
//   3. host         host/main.ts → dist/wasm-cni.cjs (one CommonJS file), then bin/wasm-cni: a
//                   Node single executable (SEA) with a V8 code cache of that bundle, ~6 ms faster
//                   to start than `node dist/wasm-cni.cjs` (measured, see README); where the SEA
//                   cannot be made, bin/wasm-cni is the bundle with a node shebang
//   4. cni-bin      dist/cni-bin/<plugin> → bin/wasm-cni: a plugin directory for runtimes
// The WIT bindings in guest-plugins/sdk/bindings and host/generated are committed; `npm run
// gen` rebuilds them and a test fails when they are out of date.
import { buildSync } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, renameSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildPlugin, pluginEntry } from "./plugin-build";

const ROOT = resolve(".");
const only = process.argv.slice(2); // e.g. `npm run build -- host` or `-- bridge`
const wanted = (step: string): boolean => only.length === 0 || only.includes(step);

function step(name: string, fn: () => void | Promise<void>): Promise<void> {
  const t0 = performance.now();
  return Promise.resolve(fn()).then(() => console.log(`build: ${name} (${Math.round(performance.now() - t0)} ms)`));
}

/** node-gyp comes with npm; npm exports its path to scripts. */
function buildNative(): void {
  const addon = join(ROOT, "native/build/Release/wasm_cni_native.node");
  const source = join(ROOT, "native/wasm_cni_native.c");
  if (existsSync(addon) && statSync(addon).mtimeMs > statSync(source).mtimeMs) return;
  const gyp = process.env.npm_config_node_gyp ?? "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js";
  const nodedir = process.env.npm_config_nodedir;
  execFileSync(process.execPath, [gyp, "rebuild", "--silent", "-C", "native", ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function pluginDirs(): string[] {
  const base = join(ROOT, "guest-plugins");
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "sdk" && existsSync(join(base, d.name, `${d.name}.ts`)))
    .map((d) => join(base, d.name));
}

async function buildPlugins(): Promise<void> {
  const out = join(ROOT, "dist/plugins");
  for (const dir of pluginDirs()) {
    const name = dir.split("/").pop() ?? dir;
    if (only.length > 0 && !only.includes("plugins") && !only.includes(name)) continue;
    pluginEntry(dir);
    const meta = await buildPlugin(dir, out, { root: ROOT });
    console.log(`build:   ${name}: imports ${meta.imports.join(", ") || "nothing"}`);
  }
}

function bundleHost(): string {
  const outfile = join(ROOT, "dist/wasm-cni.cjs");
  buildSync({
    entryPoints: [join(ROOT, "host/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  return outfile;
}

/** SEA: a copy of this node with the bundle (and its code cache) injected. */
async function buildSea(bundle: string, out: string): Promise<void> {
  const dir = join(ROOT, "build/sea");
  mkdirSync(dir, { recursive: true });
  const config = { main: bundle, output: join(dir, "wasm-cni.blob"), disableExperimentalSEAWarning: true, useCodeCache: true };
  writeFileSync(join(dir, "sea-config.json"), JSON.stringify(config));
  execFileSync(process.execPath, ["--experimental-sea-config", join(dir, "sea-config.json")], { stdio: "ignore" });
  const tmp = `${out}.tmp`;
  copyFileSync(realpathSync(process.execPath), tmp);
  const { inject } = await import("postject");
  await inject(tmp, "NODE_SEA_BLOB", readFileSync(config.output), { sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2" });
  chmodSync(tmp, 0o755);
  renameSync(tmp, out);
}

async function buildHost(): Promise<void> {
  const bundle = bundleHost();
  const out = join(ROOT, "bin/wasm-cni");
  mkdirSync(join(ROOT, "bin"), { recursive: true });
  rmSync(out, { force: true });
  try {
    if (process.env.WASM_CNI_NO_SEA === "1") throw new Error("WASM_CNI_NO_SEA=1");
    await buildSea(bundle, out);
  } catch (e) {
    console.log(`build:   no single executable (${(e as Error).message}); bin/wasm-cni is the bundle with a shebang`);
    // The absolute node path: a runtime may exec us with an empty PATH.
    writeFileSync(out, `#!${realpathSync(process.execPath)}\n${readFileSync(bundle, "utf8")}`, { mode: 0o755 });
  }
}

/** A plugin directory for runtimes: one symlink per plugin, all to the host binary. */
function linkCniBin(): void {
  const dir = join(ROOT, "dist/cni-bin");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names = ["wasm-cni", ...pluginDirs().map((d) => d.split("/").pop() ?? d)];
  for (const name of names) symlinkSync("../../bin/wasm-cni", join(dir, name));
}

if (wanted("native")) await step("native addon", buildNative);
if (only.length === 0 || only.some((s) => s !== "native" && s !== "host")) await step("plugins", buildPlugins);
if (wanted("host")) await step("host bundle", buildHost);
await step("cni-bin", linkCniBin);
