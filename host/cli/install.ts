/**
 * `wasm-cni install <file.wasm>` and `wasm-cni uninstall <name>`: the component a third party
 * ships is the unit of install. Install reads the component (no jco, no engine:
 * component-binary.ts), refuses anything that is not a plugin of this host's world, and
 * writes the plugin directory as the runtime reads it:
 *   <dir>/<name>.wasm                 the component, byte for byte (what a pin covers)
 *   <dir>/<name>/<name>.core.wasm     its main core module (main-module.ts), the code that runs
 *   <dir>/<name>/<name>.core<N>.wasm  its other core modules (wit-component's shims), in order
 *   <dir>/<name>/meta.json            as tools/plugin-build.ts writes it (component-meta.ts)
 * built in a temp folder inside <dir> and renamed into place, so a CNI call never sees half a
 * plugin. It prints the component's imports, its manifest and the policy entry that grants
 * it, pinned to its sha256: under that pin the host runs only the code of this very component
 * (pin.ts). Loaded only by the subcommand, like inspect.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isCapName, TYPE_ONLY_INTERFACES } from "../caps/index";
import { ComponentFormatError, readComponentSections } from "../runtime/component-binary";
import { type ComponentMeta, readMeta } from "../runtime/component-meta";
import { readCoreModule } from "../runtime/core-module";
import { MainModuleError, mainExportsOf, mainModule } from "../runtime/main-module";
import { type WorldName, worldAbi } from "../runtime/worlds";
import { MANIFEST_SECTION, type Manifest, parseManifest } from "../runtime/manifest";
import { grantFor, LINK_KINDS } from "../runtime/policy";
import { DEFAULT_POLICY_PATH, SYSCTL_PATTERN } from "../runtime/policy-file";
import { isPluginName, listPlugins, PLUGIN_NAME_RULE } from "../runtime/plugin-dir";
import { HOST_BINARY_NAME } from "./plugin-name";

/** The component cannot be installed (not ours, bad name, already there): the message says why. */
export class InstallError extends Error {
  override readonly name = "InstallError";
}

export interface InstallOptions {
  pluginDir: string;
  /** Default: the manifest's name, else the file's basename without `.wasm`. */
  name?: string;
  /** Replace an installed plugin of the same name, or take a built-in plugin's name. */
  force?: boolean;
}

/** A grant as the policy file spells it (policy-file.ts), with only what this plugin needs. */
export interface PolicyEntry {
  interfaces: string[];
  hostNetns?: boolean;
  delegates?: string[];
  linkKinds?: string[];
  sysctlKeys?: string[];
  timeLimitMs?: number;
  sha256: string;
}

export interface InstallReport {
  name: string;
  pluginDir: string;
  /** The installed component file. */
  component: string;
  sha256: string;
  /** Host interfaces it imports ("link"): its capability list. */
  imports: string[];
  manifest: Manifest | null;
  manifestError?: string;
  /** File of the main core module, and of all core modules, in the plugin's folder. */
  main: string;
  coreModules: string[];
  /** An installed plugin of that name was replaced (--force). */
  replaced: boolean;
  /** For the policy file's `plugins` map: { "<name>": entry }. */
  policy: Record<string, PolicyEntry>;
  /** What the manifest asks for that the entry leaves out, and why. */
  notes: string[];
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const capName = (i: string): string => i.replace(/^cni:host\//, "").replace(/@.*$/, "");

/** The checked contents of a component file: what install writes and reports. */
interface Plugin {
  bytes: Buffer;
  imports: string[];
  manifest: Manifest | null;
  manifestError?: string;
  /** Core modules, the main one first. */
  modules: Uint8Array[];
  /** The world its main module exports the functions of. */
  world: WorldName;
}

/** Reads `file` and refuses what is not a plugin of this host's world. */
export function readPluginComponent(file: string): Plugin {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InstallError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const refuse = (why: string): never => {
    throw new InstallError(`${file} is not a plugin of this host: ${why}`);
  };
  let sections: ReturnType<typeof readComponentSections>;
  try {
    sections = readComponentSections(bytes);
  } catch (e) {
    if (e instanceof ComponentFormatError) refuse(e.message);
    throw e;
  }
  const foreign = sections.imports.filter((i) => !/^cni:host\//.test(i) || !(isCapName(capName(i)) || TYPE_ONLY_INTERFACES.includes(capName(i))));
  if (foreign.length > 0) refuse(`it imports ${foreign.join(", ")}, which this host does not provide (cni:host)`);
  let main: number;
  let worldName: WorldName;
  try {
    ({ index: main, world: worldName } = mainModule(sections.coreModules));
  } catch (e) {
    if (e instanceof MainModuleError) refuse(e.message);
    throw e;
  }
  // The host gives the main module these functions and nothing else (abi/instance.ts): a
  // module built against another version of the WIT would fail every call.
  const world = new Set(Object.entries(worldAbi(worldName).imports).flatMap(([iface, fns]) => fns.map((f) => `${iface}#${f.name}`)));
  const unknown = readCoreModule(sections.coreModules[main]!).imports.map((i) => `${i.module}#${i.name}`).filter((i) => !world.has(i));
  if (unknown.length > 0) refuse(`its main core module imports ${unknown.join(", ")}, which world "${worldName}" of this host does not have`);
  const payload = sections.custom.get(MANIFEST_SECTION);
  let manifest: Manifest | null = null;
  let manifestError: string | undefined;
  try {
    manifest = payload === undefined ? null : parseManifest(payload);
  } catch (e) {
    manifestError = (e as Error).message;
  }
  return {
    bytes,
    imports: sections.imports.filter((i) => !TYPE_ONLY_INTERFACES.includes(capName(i))),
    manifest,
    ...(manifestError !== undefined && { manifestError }),
    modules: [sections.coreModules[main]!, ...sections.coreModules.filter((_, i) => i !== main)],
    world: worldName,
  };
}

/** meta.json for `name` and the files of its folder (main module first), as the build writes them. */
export function pluginFiles(name: string, plugin: Plugin): { meta: ComponentMeta; files: [string, Uint8Array][] } {
  const files = plugin.modules.map((m, i): [string, Uint8Array] => [`${name}.core${i === 0 ? "" : i + 1}.wasm`, m]);
  const meta: ComponentMeta = {
    name,
    world: plugin.world,
    component: `${name}.wasm`,
    sha256: sha256(plugin.bytes),
    imports: [...plugin.imports].sort(),
    exports: mainExportsOf(plugin.world).filter((e) => worldAbi(plugin.world).exports.some((f) => f.name === e)).sort(),
    coreModules: Object.fromEntries(files.map(([f, m]) => [f, sha256(m)])),
    main: files[0]![0],
  };
  return { meta, files };
}

/** The entry that grants what the component imports and its manifest asks for, pinned. */
export function policyEntry(plugin: Plugin, pin: string): { entry: PolicyEntry; notes: string[] } {
  const caps = plugin.manifest?.capabilities ?? {};
  const notes: string[] = [];
  const imports = plugin.imports.map(capName).sort();
  const asked = caps.interfaces?.map(capName).sort();
  if (asked !== undefined && asked.join() !== imports.join()) {
    notes.push(`the manifest lists interfaces ${asked.join(", ") || "none"}; the entry grants what the component imports: ${imports.join(", ") || "none"}`);
  }
  const kept = (what: string, xs: readonly string[] | undefined, ok: (x: string) => boolean): string[] | undefined => {
    const bad = (xs ?? []).filter((x) => !ok(x));
    if (bad.length > 0) notes.push(`left out ${what} the host does not know: ${bad.join(", ")}`);
    const good = (xs ?? []).filter(ok);
    return good.length > 0 ? good : undefined;
  };
  const linkKinds = kept("link kinds", caps.linkKinds, (k) => (LINK_KINDS as readonly string[]).includes(k));
  const sysctlKeys = kept("sysctl keys", caps.sysctl, (k) => SYSCTL_PATTERN.test(k));
  const delegates = kept("delegates", caps.delegates, isPluginName);
  const entry: PolicyEntry = {
    interfaces: imports,
    ...(caps.hostNetns === true && { hostNetns: true }),
    ...(delegates && { delegates }),
    ...(linkKinds && { linkKinds }),
    ...(sysctlKeys && { sysctlKeys }),
    ...(caps.timeLimitMs !== undefined && caps.timeLimitMs <= 600_000 && { timeLimitMs: caps.timeLimitMs }),
    sha256: pin,
  };
  return { entry, notes };
}

function hasBuiltinGrant(name: string): boolean {
  try {
    grantFor(name);
    return true;
  } catch {
    return false;
  }
}

/** Installs the component `file` into `opts.pluginDir` (see the file header). */
export function installComponent(file: string, opts: InstallOptions): InstallReport {
  const plugin = readPluginComponent(file);
  const name = opts.name ?? plugin.manifest?.name ?? basename(file).replace(/\.wasm$/, "");
  if (!isPluginName(name)) {
    throw new InstallError(`${JSON.stringify(name)} is not a valid plugin name (${PLUGIN_NAME_RULE})${opts.name === undefined ? "; choose one with --name" : ""}`);
  }
  const { pluginDir } = opts;
  const target = join(pluginDir, name);
  const componentPath = join(pluginDir, `${name}.wasm`);
  const installed = existsSync(target);
  if (!opts.force) {
    if (installed) throw new InstallError(`a plugin "${name}" is already installed in ${pluginDir}: uninstall it first, or replace it with --force`);
    if (existsSync(componentPath) && Buffer.compare(readFileSync(componentPath), plugin.bytes) !== 0) {
      throw new InstallError(`${componentPath} is already there, and is another component: remove it, or replace it with --force`);
    }
    // A plugin with a built-in grant runs under it without any policy entry: a component
    // received from elsewhere must not take such a name by accident (its manifest chooses it).
    if (hasBuiltinGrant(name)) {
      throw new InstallError(`"${name}" is the name of a plugin with a built-in grant, which a component installed under it would get `
        + "without any policy entry: choose another name with --name, or take it with --force");
    }
  }
  const { meta, files } = pluginFiles(name, plugin);
  mkdirSync(pluginDir, { recursive: true });
  // Inside the plugin directory, so the renames stay on one filesystem; a leading "." is no plugin name.
  const tmp = mkdtempSync(join(pluginDir, `.install-${name}-`));
  try {
    mkdirSync(join(tmp, name));
    writeFileSync(join(tmp, `${name}.wasm`), plugin.bytes);
    for (const [f, bytes] of files) writeFileSync(join(tmp, name, f), bytes);
    writeFileSync(join(tmp, name, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
    readMeta(join(tmp, name)); // what the runtime will read: checked before it is in place
    // The folder first: its rename claims the name (it fails if another install took it since
    // the check above, before this one touched that install's component). Until the component
    // follows, a pinned call finds the old one or none and is refused: it fails closed.
    if (installed) renameSync(target, join(tmp, ".replaced"));
    try {
      renameSync(join(tmp, name), target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") throw new InstallError(`another install of "${name}" in ${pluginDir} finished first: nothing of this one was installed`);
      throw e;
    }
    renameSync(join(tmp, `${name}.wasm`), componentPath);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const { entry, notes } = policyEntry(plugin, meta.sha256);
  return {
    name, pluginDir, component: componentPath, sha256: meta.sha256, imports: plugin.imports.map(capName).sort(),
    manifest: plugin.manifest, ...(plugin.manifestError !== undefined && { manifestError: plugin.manifestError }),
    main: meta.main, coreModules: Object.keys(meta.coreModules), replaced: installed, policy: { [name]: entry }, notes,
  };
}

export function renderInstallReport(r: InstallReport): string {
  // One line per key, arrays on one line: what an operator pastes into the "plugins" map.
  const entry = Object.entries(r.policy).map(([name, grant]) => `  ${JSON.stringify(name)}: {\n${Object.entries(grant)
    .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v).replace(/","/g, '", "')}`).join(",\n")}\n  }`).join(",\n");
  return [
    `installed plugin "${r.name}"${r.replaced ? " (replacing the one installed before)" : ""} in ${r.pluginDir}`,
    `  component  ${r.component}`,
    `  sha256     ${r.sha256}`,
    `  runs       ${r.name}/${r.main} (its main core module; ${r.coreModules.length} core modules in all)`,
    `  imports    ${r.imports.map((i) => `cni:host/${i}`).join(", ") || "(none)"}`,
    `  manifest   ${r.manifest ? JSON.stringify(r.manifest) : r.manifestError ? `invalid, ignored: ${r.manifestError}` : "(none)"}`,
    ...r.notes.map((n) => `  note       ${n}`),
    "",
    `It runs only with a grant (deny by default). To grant it, add this entry to the "plugins" map of the policy file`,
    `(${DEFAULT_POLICY_PATH}, or the file WASM_CNI_POLICY names); its "sha256" pins it: a call then runs only the code`,
    "of this very component, and is refused if anything in its folder is changed:",
    "",
    entry,
    "",
    `Check it with \`${HOST_BINARY_NAME} inspect ${r.name}\`. A network config runs it with "type": "${HOST_BINARY_NAME}",`,
    `"plugin": "${r.name}", or with "type": "${r.name}" and a symlink ${r.name} -> ${HOST_BINARY_NAME} on CNI_PATH.`,
    "",
  ].join("\n");
}

export interface UninstallReport {
  name: string;
  pluginDir: string;
  removed: string[];
}

/** Removes plugin `name`: its folder (only one with a meta.json) and its component. */
export function uninstallPlugin(name: string, pluginDir: string): UninstallReport {
  const installed = `installed: ${listPlugins(pluginDir).join(", ") || "none"}`;
  if (!isPluginName(name)) throw new InstallError(`${JSON.stringify(name)} is not a valid plugin name (${PLUGIN_NAME_RULE}; ${installed})`);
  const dir = join(pluginDir, name);
  const component = join(pluginDir, `${name}.wasm`);
  if (!existsSync(join(dir, "meta.json"))) {
    const loose = existsSync(component) ? `; ${name}.wasm is there, but was never installed (remove it by hand)` : "";
    throw new InstallError(`no installed plugin "${name}" in ${pluginDir} (${installed})${loose}`);
  }
  // The folder goes first, in one rename: a call then finds no plugin rather than half of one.
  const tmp = mkdtempSync(join(pluginDir, `.uninstall-${name}-`));
  try {
    renameSync(dir, join(tmp, name));
    rmSync(component, { force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { name, pluginDir, removed: [dir, component] };
}
