// Builds plugins from source for tests, so that no test runs a stale dist/plugins. One build
// (asc + componentize + transpile, ~4 s) is reused while the plugin's folder, the SDK, the
// WIT, asconfig.json and the build tool are unchanged. Test files run in parallel processes: each build goes to a private temp
// folder and is renamed into place, so a reader never sees half a plugin.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildPlugin } from "../../tools/plugin-build";
import { ROOT } from "./fixtures";

/**
 * Where plugins under test are built, one folder per plugin like dist/plugins. In a checkout the
 * test user cannot write to (`npm run test:unit` as another user), WASM_CNI_TEST_BUILD_DIR names
 * a writable folder instead.
 */
export const PLUGIN_UNDER_TEST_DIR = process.env.WASM_CNI_TEST_BUILD_DIR || join(ROOT, "build/plugins-under-test");

const STAMP = ".source-sha256";

/** What every plugin build reads besides its own folder. */
const BUILD_INPUTS = ["guest-plugins/sdk", "wit", "asconfig.json", "tools/plugin-build.ts", "tools/plugin-component.ts", "tools/plugin-manifest.ts"];

/** sha256 over `paths`: files, and every file below folders (names and contents, in sorted order). */
export function treeHash(paths: string[]): string {
  const h = createHash("sha256");
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  for (const p of paths) {
    if (statSync(p).isDirectory()) walk(p);
    else h.update(p).update(readFileSync(p));
  }
  return h.digest("hex");
}

function isBuilt(dir: string, hash: string): boolean {
  return existsSync(join(dir, "meta.json")) && existsSync(join(dir, STAMP)) && readFileSync(join(dir, STAMP), "utf8") === hash;
}

/**
 * Builds each plugin of `names` from `<srcRoot>/<name>` (guest-plugins, or test/fixtures/plugins
 * for fixtures) unless an up-to-date build is there; returns the plugin directory to use as
 * WASM_CNI_PLUGIN_DIR.
 */
export async function buildPluginsUnderTest(names: string[], srcRoot = "guest-plugins"): Promise<string> {
  mkdirSync(PLUGIN_UNDER_TEST_DIR, { recursive: true });
  for (const name of names) {
    const src = join(ROOT, srcRoot, name);
    const hash = treeHash([src, ...BUILD_INPUTS.map((p) => join(ROOT, p))]);
    const target = join(PLUGIN_UNDER_TEST_DIR, name);
    if (isBuilt(target, hash)) continue;
    const tmp = mkdtempSync(join(PLUGIN_UNDER_TEST_DIR, `.${name}-`));
    try {
      await buildPlugin(src, tmp, { root: ROOT });
      writeFileSync(join(tmp, name, STAMP), hash);
      if (isBuilt(target, hash)) continue; // another test file finished the same build first
      rmSync(target, { recursive: true, force: true });
      renameSync(join(tmp, `${name}.wasm`), join(PLUGIN_UNDER_TEST_DIR, `${name}.wasm`)); // the component, for pinning and inspect
      try {
        renameSync(join(tmp, name), target);
      } catch (e) {
        if (!isBuilt(target, hash)) throw e; // lost a race to an identical build: fine
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return PLUGIN_UNDER_TEST_DIR;
}

/** Builds guest-plugins/<name> (or reuses the build of the same source); returns the plugin dir. */
export function buildPluginUnderTest(name: string): Promise<string> {
  return buildPluginsUnderTest([name]);
}

/** Builds test/fixtures/plugins/<name> for each name (reused while unchanged); returns the plugin dir. */
export function buildFixtures(names: string[]): Promise<string> {
  return buildPluginsUnderTest(names, "test/fixtures/plugins");
}

/**
 * examples/<name> built by the SDK kit's command, `wasm-cni-build <folder> -o <file>`, as its
 * author would; reused while the example's files and the SDK package (its sources, wit/ and the
 * bundled command) are unchanged. Returns the component file.
 */
export function buildExample(name: string): string {
  const src = join(ROOT, "examples", name);
  const inputs = ["index.ts", "manifest.json", "asconfig.json", "package.json"].map((f) => join(src, f));
  const hash = treeHash([...inputs, join(ROOT, "guest-plugins/sdk")]);
  const out = join(PLUGIN_UNDER_TEST_DIR, ".examples", `${name}-${hash.slice(0, 16)}.wasm`);
  if (existsSync(out)) return out;
  mkdirSync(join(out, ".."), { recursive: true });
  const part = `${out}.${process.pid}`;
  execFileSync(join(ROOT, "node_modules/.bin/wasm-cni-build"), [src, "-o", part], { encoding: "utf8" });
  renameSync(part, out); // atomic: a parallel build of the same source writes the same bytes
  return out;
}
