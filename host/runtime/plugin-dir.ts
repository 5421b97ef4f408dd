import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Plugin names are file names of one segment: what a conflist's `type` may hold. */
const PLUGIN_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Whether `name` can name a plugin in a plugin directory. */
export const isPluginName = (name: string): boolean => PLUGIN_NAME_RE.test(name);

/** Why a name is not a plugin name, for messages. */
export const PLUGIN_NAME_RULE = 'lower-case letters, digits, "-", "_", at most 63, starting with a letter or digit';

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
  if (!isPluginName(name)) {
    throw new PluginNotFoundError(`plugin name ${JSON.stringify(name)} is not valid (${PLUGIN_NAME_RULE})`);
  }
  const dir = join(pluginDir, name);
  if (!existsSync(join(dir, "meta.json"))) throw new PluginNotFoundError(notFound(pluginDir, name));
  return dir;
}

/**
 * What the directory holds instead of plugin `name` (run only when a plugin is missing): its
 * component not installed, or the plugins there and those with a similar name.
 */
function notFound(pluginDir: string, name: string): string {
  const available = listPlugins(pluginDir);
  const list = `available: ${available.join(", ") || "none"}`;
  const component = join(pluginDir, `${name}.wasm`);
  if (existsSync(component)) {
    return `no Wasm plugin "${name}" installed in ${pluginDir}: its component ${name}.wasm is there, but not installed `
      + `(no ${name}/meta.json); install it with \`wasm-cni install ${component} --name ${name} --plugin-dir ${pluginDir}\` (${list})`;
  }
  const similar = available.filter((p) => isSimilar(p, name));
  const loose = listComponents(pluginDir).filter((c) => !available.includes(c));
  return `no Wasm plugin "${name}" in ${pluginDir} (${list}`
    + `${similar.length > 0 ? `; did you mean ${similar.map((s) => `"${s}"`).join(" or ")}?` : ""}`
    + `${loose.length > 0 ? `; components there but not installed: ${loose.map((c) => `${c}.wasm`).join(", ")}` : ""})`;
}

/** Names one typo apart (edit distance at most 2) or one inside the other: "brigde", "bridge2". */
function isSimilar(a: string, b: string): boolean {
  if (a.includes(b) || b.includes(a)) return true;
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]! <= 2;
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

/** Names of the component files (`<name>.wasm`) in a plugin directory, installed or not. */
function listComponents(pluginDir: string): string[] {
  try {
    return readdirSync(pluginDir).filter((f) => f.endsWith(".wasm") && isPluginName(f.slice(0, -5))).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}
