import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { TYPE_ONLY_INTERFACES } from "../caps/index";
import { readComponentSections } from "./component-binary";
import { MainModuleError, mainModule } from "./main-module";
import type { LoadedComponent } from "./load-component";
import { GrantError } from "./policy";

/** The capabilities a list of imports names: "cni:host/link@0.1.0" → "link", sorted, without the type-only ones. */
const capNames = (names: readonly string[]): string[] =>
  [...new Set(names.map((n) => n.replace(/^cni:host\//, "").replace(/@.*$/, "")))].filter((n) => !TYPE_ONLY_INTERFACES.includes(n)).sort();

/**
 * Checks a plugin pinned by the policy (`"sha256"`, like Envoy's pinning) against the code that
 * will run. The component file is read once: it must have the pinned hash, the main core
 * module the host compiled (`mainBytes`, the very bytes: whether read now or kept by a
 * prestarted host) must be byte for byte the component's own main module (main-module.ts),
 * the core modules meta.json lists exactly the component's, and the imports the host
 * grants by (meta.json's) must be the component's, and so must the world meta.json says it is of
 * (which decides whether CNI calls or the agent run it). So nothing else in the
 * plugin directory (meta.json, other files) can change what runs under a pin. Only pinned
 * plugins pay for this (node:crypto is loaded here, never on an unpinned call).
 */
export function verifyPin(component: Pick<LoadedComponent, "dir" | "meta" | "mainBytes" | "imports">, pin: string): void {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const { meta, dir } = component;
  const name = basename(dir);
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dirname(dir), meta.component));
  } catch (e) {
    throw new GrantError(`plugin "${name}" is pinned to sha256 ${pin}, but its component ${meta.component} cannot be read: ${(e as Error).message}`);
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== pin) {
    throw new GrantError(`plugin "${name}" is pinned to sha256 ${pin}, but its component ${meta.component} has ${actual}`);
  }
  const sections = readComponentSections(bytes);
  let main: Uint8Array;
  try {
    const found = mainModule(sections.coreModules);
    main = sections.coreModules[found.index]!;
    if (found.world !== meta.world) {
      throw new GrantError(`plugin "${name}" is pinned, but meta.json says it is of world "${meta.world}" and its component ${meta.component} is of world "${found.world}" (rebuild or reinstall the plugin)`);
    }
  } catch (e) {
    if (!(e instanceof MainModuleError)) throw e;
    throw new GrantError(`plugin "${name}" is pinned, but its component ${meta.component} is not a component of this host: ${e.message}`);
  }
  if (Buffer.compare(main, component.mainBytes) !== 0) {
    const shim = sections.coreModules.some((m) => Buffer.compare(m, component.mainBytes) === 0);
    throw new GrantError(`plugin "${name}" is pinned, but the main core module it would run (${meta.main}) is ${shim ? "a shim of" : "not one of the core modules of"} `
      + `its component ${meta.component}${shim ? ", not its main module" : ""}: refused, since the pin does not cover that code (rebuild or reinstall the plugin)`);
  }
  // The other files meta.json lists never run, but none may be other than the component's:
  // the folder's core modules are exactly the component's, one file each.
  const listed: Uint8Array[] = [component.mainBytes];
  for (const file of Object.keys(meta.coreModules)) {
    if (file === meta.main) continue;
    let other: Buffer;
    try {
      other = readFileSync(join(dir, file));
    } catch (e) {
      throw new GrantError(`plugin "${name}" is pinned, but its core module ${file} cannot be read: ${(e as Error).message} (reinstall the plugin)`);
    }
    if (!sections.coreModules.some((m) => Buffer.compare(m, other) === 0)) {
      throw new GrantError(`plugin "${name}" is pinned, but the core module ${file} beside it is not one of the core modules of its component `
        + `${meta.component}: refused (rebuild or reinstall the plugin)`);
    }
    listed.push(other);
  }
  const sorted = (ms: readonly Uint8Array[]): Uint8Array[] => [...ms].sort(Buffer.compare);
  const [mine, theirs] = [sorted(listed), sorted(sections.coreModules)];
  if (mine.length !== theirs.length || mine.some((m, i) => Buffer.compare(m, theirs[i]!) !== 0)) {
    throw new GrantError(`plugin "${name}" is pinned, but the ${mine.length} core modules meta.json lists are not the ${theirs.length} of its component `
      + `${meta.component}, one file each: refused (rebuild or reinstall the plugin)`);
  }
  const [claimed, real] = [capNames(component.imports), capNames(sections.imports)];
  if (claimed.join() !== real.join()) {
    throw new GrantError(`plugin "${name}" is pinned, but meta.json's imports (${claimed.join(", ") || "none"}) are not its component's `
      + `(${real.join(", ") || "none"}) (rebuild or reinstall the plugin)`);
  }
}
