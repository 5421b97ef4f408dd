import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildPlugin } from "../../tools/plugin-build";

export const ROOT = resolve(import.meta.dirname, "../..");
/** The host binary and the plugin directory a runtime would use. */
export const HOST_BIN = join(ROOT, "bin/wasm-cni");
export const CNI_BIN = join(ROOT, "dist/cni-bin");
/** Where built test fixtures live, one folder per plugin like dist/plugins. */
export const FIXTURE_PLUGIN_DIR = join(ROOT, "build/test-plugins");

function sourceHash(dir: string): string {
  const h = createHash("sha256");
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest("hex");
}

/**
 * Builds test/fixtures/plugins/<name> into build/test-plugins (asc takes ~4 s per plugin), or
 * reuses an earlier build of the same source. Returns the plugin directory.
 */
export async function buildFixtures(names: string[]): Promise<string> {
  mkdirSync(FIXTURE_PLUGIN_DIR, { recursive: true });
  for (const name of names) {
    const src = join(ROOT, "test/fixtures/plugins", name);
    const stamp = join(FIXTURE_PLUGIN_DIR, `${name}.source-sha256`);
    const hash = sourceHash(src);
    if (existsSync(join(FIXTURE_PLUGIN_DIR, name, "meta.json")) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) continue;
    await buildPlugin(src, FIXTURE_PLUGIN_DIR, { root: ROOT });
    writeFileSync(stamp, hash);
  }
  return FIXTURE_PLUGIN_DIR;
}
