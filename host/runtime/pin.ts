import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ComponentMeta } from "./load-component";
import { GrantError } from "./policy";

/**
 * Checks a plugin pinned by the policy (`"sha256"`, like Envoy's pinning): the component file
 * must have that hash, and each core module the host compiles must have the hash recorded for
 * it when the component was transpiled. Only pinned plugins pay for this (node:crypto is
 * loaded here, never on an unpinned call).
 */
export function verifyPin(pluginDir: string, meta: ComponentMeta, pin: string): void {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");
  const actual = sha256(join(pluginDir, meta.component));
  if (actual !== pin) {
    throw new GrantError(`plugin "${meta.name}" is pinned to sha256 ${pin}, but its component ${meta.component} has ${actual}`);
  }
  for (const [file, recorded] of Object.entries(meta.coreModules)) {
    if (sha256(join(pluginDir, meta.name, file)) !== recorded) {
      throw new GrantError(`plugin "${meta.name}": core module ${file} does not match the pinned component (rebuild or reinstall it)`);
    }
  }
}
