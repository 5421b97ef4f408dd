// Builds a plugin of guest-plugins/ from source for integration tests, so that they never run a
// stale dist/plugins. A build (asc + componentize + transpile, ~4 s) is reused while neither the
// plugin's folder nor the SDK has changed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildPlugin } from "../../tools/plugin-build";
import { ROOT } from "./fixtures";

/** Where plugins under test are built, one folder per plugin like dist/plugins. */
export const PLUGIN_UNDER_TEST_DIR = join(ROOT, "build/plugins-under-test");

/** sha256 over every file below `dirs` (names and contents, in sorted order). */
function treeHash(dirs: string[]): string {
  const h = createHash("sha256");
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  for (const d of dirs) walk(d);
  return h.digest("hex");
}

/** Builds guest-plugins/<name> (or reuses the build of the same source); returns the plugin dir. */
export async function buildPluginUnderTest(name: string): Promise<string> {
  mkdirSync(PLUGIN_UNDER_TEST_DIR, { recursive: true });
  const src = join(ROOT, "guest-plugins", name);
  const hash = treeHash([src, join(ROOT, "guest-plugins/sdk"), join(ROOT, "wit")]);
  const stamp = join(PLUGIN_UNDER_TEST_DIR, `${name}.source-sha256`);
  const built = existsSync(join(PLUGIN_UNDER_TEST_DIR, name, "meta.json")) && existsSync(stamp);
  if (!built || readFileSync(stamp, "utf8") !== hash) {
    await buildPlugin(src, PLUGIN_UNDER_TEST_DIR, { root: ROOT });
    writeFileSync(stamp, hash);
  }
  return PLUGIN_UNDER_TEST_DIR;
}
