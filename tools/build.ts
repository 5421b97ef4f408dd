// `npm run build` (and so `npm ci`): everything the binary needs, from source.
//   1. native/      the N-API addon (setns, netlink sockets, flock) and the exec shim, via node-gyp
//   2. plugins      guest-plugins/<name>/ → dist/plugins/<name>.wasm + transpiled glue
//   3. host         host/generated/builtin-grants.ts from guest-plugins/*/manifest.json (tools/builtin-grants.ts), then
//                   host/main.ts → dist/wasm-cni.cjs (one CommonJS file) and its V8 code cache;
//                   bin/wasm-cni-node, a node script that runs it with the cache
//                   bin/wasm-cni, the exec shim (native/shim.c): hands a call to a prestarted host
//                   (host/prestart) or execs bin/wasm-cni-node
//                   dist/wasm-cni-tools.cjs, the reviewer's commands (caps, inspect, serve), loaded only by them
//                   dist/wasm-cni-spare.cjs, a spare of that host (host/spare-main.ts)
//   4. cni-bin      dist/cni-bin/<plugin> → bin/wasm-cni: a plugin directory for runtimes (CNI plugins, not controllers)
//   5. sdk          guest-plugins/sdk/wit, dist/wasm-cni-build.mjs and dist/plugin-harness.mjs: the author's kit (tools/sdk-kit.ts)
// The WIT bindings in guest-plugins/sdk/bindings and host/generated are committed; `npm run
// gen` rebuilds them and a test fails when they are out of date.
import { buildSync } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { Script } from "node:vm";
import { join, resolve } from "node:path";
import { buildPlugin, pluginEntry } from "./plugin-build";
import { manifestWorld } from "./plugin-manifest";
import { writeKit } from "./sdk-kit";
import { BUILTIN_GRANTS_FILE, builtinGrantsFile } from "./builtin-grants";

const ROOT = resolve(".");
const only = process.argv.slice(2); // e.g. `npm run build -- host` or `-- bridge`
const wanted = (step: string): boolean => only.length === 0 || only.includes(step);

function step(name: string, fn: () => void | Promise<void>): Promise<void> {
  const t0 = performance.now();
  return Promise.resolve(fn()).then(() => console.log(`build: ${name} (${Math.round(performance.now() - t0)} ms)`));
}

/** node-gyp comes with npm; npm exports its path to scripts. */
function buildNative(): void {
  const built = ["wasm_cni_native.node", "wasm-cni-shim"].map((f) => join(ROOT, "native/build/Release", f));
  const sources = ["wasm_cni_native.c", "shim.c", "binding.gyp"].map((f) => statSync(join(ROOT, "native", f)).mtimeMs);
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs > Math.max(...sources))) return;
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

/** The CommonJS wrapper the launcher runs the bundle in; the code cache is made for this text. */
const WRAP_HEAD = "(function (exports, require, module, __filename, __dirname) {";
const WRAP_TAIL = "\n})";
const wrap = (bundle: string): string => WRAP_HEAD + bundle + WRAP_TAIL;

/**
 * V8's code cache of the whole bundle, every function compiled (--no-lazy only while
 * compiling, so the flags the cache records are the runtime's). Measured against a Node
 * single executable with `useCodeCache` (which holds only the eagerly compiled top level):
 * 5-6 ms less per bridge ADD.
 */
function writeHostCache(bundle: string): void {
  setFlagsFromString("--no-lazy");
  const script = new Script(wrap(readFileSync(bundle, "utf8")), { filename: bundle });
  setFlagsFromString("--lazy");
  writeFileSync(bundle.replace(/\.cjs$/, ".cache"), script.createCachedData());
}

/**
 * bin/wasm-cni-node: a few lines that run dist/wasm-cni.cjs with its code cache (or, started by
 * `serve`, a spare's bundle). The exec shim bin/wasm-cni runs it when no prestarted host takes
 * the call, and says in WASM_CNI_ARGV0 the name it was exec'd by (the shebang replaces argv[0],
 * and a runtime execs a symlink named after the plugin). The shebang names this node by
 * absolute path (a runtime may exec us with an empty PATH), and the code cache is only valid
 * for it.
 */
function writeLauncher(bundle: string): void {
  const out = join(ROOT, "bin/wasm-cni-node");
  mkdirSync(join(ROOT, "bin"), { recursive: true });
  const launcher = `#!${realpathSync(process.execPath)}
"use strict";
// Generated by tools/build.ts.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const dist = join(__dirname, "..", "dist");
const env = process.env;
if (env.WASM_CNI_ARGV0 !== undefined) {
  process.argv[1] = env.WASM_CNI_ARGV0;
  delete env.WASM_CNI_ARGV0;
}
if (env.WASM_CNI_SPARE === "1") {
  require(join(dist, "wasm-cni-spare.cjs")); // started by wasm-cni serve
} else {
  const { Script } = require("node:vm");
  const file = join(dist, "wasm-cni.cjs");
  let cachedData;
  try { cachedData = readFileSync(join(dist, "wasm-cni.cache")); } catch {}
  const source = ${JSON.stringify(WRAP_HEAD)} + readFileSync(file, "utf8") + ${JSON.stringify(WRAP_TAIL)};
  const main = new Script(source, { filename: file, cachedData }).runInThisContext();
  const mod = { exports: {} };
  main.call(mod.exports, mod.exports, require, mod, file, dist);
}
`;
  writeFileSync(`${out}.tmp`, launcher, { mode: 0o755 });
  renameSync(`${out}.tmp`, out);
}

/** bin/wasm-cni: the exec shim, copied so that bin/ alone is the install's entry point. */
function installShim(): void {
  const out = join(ROOT, "bin/wasm-cni");
  copyFileSync(join(ROOT, "native/build/Release/wasm-cni-shim"), `${out}.tmp`);
  chmodSync(`${out}.tmp`, 0o755);
  renameSync(`${out}.tmp`, out);
}

/** The shipped plugins' grants, from their manifests (rewritten only when they changed). */
function writeBuiltinGrants(): void {
  const file = join(ROOT, BUILTIN_GRANTS_FILE);
  const text = builtinGrantsFile(ROOT);
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
}

function buildHost(): void {
  writeBuiltinGrants();
  const bundle = bundleHost();
  writeHostCache(bundle);
  writeLauncher(bundle);
  installShim();
  bundleReviewerTools();
  bundleBeside("host/spare-main.ts", "dist/wasm-cni-spare.cjs");
}

/**
 * dist/wasm-cni-tools.cjs: `wasm-cni caps` and `inspect`, a bundle of their own that main.ts
 * requires only for a command. In the host bundle they cost every CNI call ~1 ms (24 KB more
 * to load and 70 KB more code cache to deserialize, measured on VERSION).
 */
function bundleReviewerTools(): void {
  bundleBeside("host/cli/subcommands.ts", "dist/wasm-cni-tools.cjs");
}

/** A bundle of its own beside the host bundle, required by it or by the launcher only when needed. */
function bundleBeside(entry: string, outfile: string): void {
  buildSync({
    entryPoints: [join(ROOT, entry)],
    outfile: join(ROOT, outfile),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
}

/** A plugin directory for runtimes: one symlink per CNI plugin (not the controllers), all to the host binary. */
function linkCniBin(): void {
  const dir = join(ROOT, "dist/cni-bin");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names = ["wasm-cni", ...pluginDirs().filter((d) => manifestWorld(d) === "plugin").map((d) => d.split("/").pop() ?? d)];
  for (const name of names) symlinkSync("../../bin/wasm-cni", join(dir, name));
}

if (wanted("native")) await step("native addon", buildNative);
if (only.length === 0 || only.some((s) => s !== "native" && s !== "host" && s !== "sdk")) await step("plugins", buildPlugins);
if (wanted("host")) await step("host bundle", buildHost);
await step("cni-bin", linkCniBin);
if (wanted("sdk")) await step("sdk kit", () => writeKit(ROOT, join(ROOT, "guest-plugins/sdk")));
