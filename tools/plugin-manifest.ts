// The optional `manifest.json` of a plugin folder ({ name, version, world, capabilities }), embedded
// into the component as the custom section `wasm-cni:manifest` so that it travels with the
// one file a third party ships. It grants nothing; `wasm-cni inspect` compares it with the
// policy. A broken manifest fails the build rather than shipping.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { embedManifest, parseManifest } from "../host/runtime/manifest";
import type { WorldName } from "../host/runtime/worlds";

export const MANIFEST_FILE = "manifest.json";

/** `component` with the folder's manifest.json embedded, or unchanged when there is none. */
export function withManifestFile(srcDir: string, component: Uint8Array): Uint8Array {
  const file = join(srcDir, MANIFEST_FILE);
  if (!existsSync(file)) return component;
  try {
    return embedManifest(component, JSON.parse(readFileSync(file, "utf8")));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** The world the folder's manifest.json names ("world"), "plugin" when it names none or there is none. */
export function manifestWorld(srcDir: string): WorldName {
  const file = join(srcDir, MANIFEST_FILE);
  if (!existsSync(file)) return "plugin";
  try {
    return parseManifest(readFileSync(file)).world ?? "plugin";
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
}
