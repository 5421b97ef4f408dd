import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Plugin names are file names of one segment: what a conflist's `type` may hold. */
const PLUGIN_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A plugin that could not be found or whose name is not acceptable. */
export class PluginNotFoundError extends Error {
  override readonly name = "PluginNotFoundError";
}

/**
 * Where the built plugins are: `dist/plugins/<name>/` beside the host bundle (bin/wasm-cni),
 * found from the bundle's real path so a symlink named after a plugin works from any
 * directory on CNI_PATH. WASM_CNI_PLUGIN_DIR overrides it (tests, custom installs).
 */
export function defaultPluginDir(env: Record<string, string | undefined>, hostDir: string): string {
  return env.WASM_CNI_PLUGIN_DIR || join(hostDir, "..", "dist", "plugins");
}

/** The directory holding plugin `name`'s transpiled component. */
export function resolvePlugin(pluginDir: string, name: string): string {
  if (!PLUGIN_NAME_RE.test(name)) {
    throw new PluginNotFoundError(`plugin name ${JSON.stringify(name)} is not valid (lower-case letters, digits, "-", "_")`);
  }
  const dir = join(pluginDir, name);
  if (!existsSync(join(dir, "meta.json"))) {
    throw new PluginNotFoundError(`no Wasm plugin "${name}" in ${pluginDir} (available: ${listPlugins(pluginDir).join(", ") || "none"})`);
  }
  return dir;
}

/** Names of the plugins in a plugin directory. */
export function listPlugins(pluginDir: string): string[] {
  try {
    return readdirSync(pluginDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(pluginDir, d.name, "meta.json")))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}
