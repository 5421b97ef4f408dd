/**
 * `wasm-cni inspect <plugin | file.wasm>`: what one plugin is (name, version, sha256), what it
 * imports, what its manifest asks for, what the policy grants it and what would be denied.
 * For an installed plugin the import list is meta.json's, which the host enforces at every
 * call, and the report says whether the main core module that runs is the component's main
 * module and whether meta.json's imports are the component's: "(matches)" means the code that
 * runs is the component's. Under a pinned grant its `sha256 pin` row is what the host's own
 * check (pin.ts) says of the plugin's folder. For a bare component the imports are read from the bytes
 * (component-binary.ts). Loaded only by
 * the subcommand: it hashes with node:crypto, which the CNI path never loads.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { TYPE_ONLY_INTERFACES } from "../caps/index";
import { ComponentFormatError, readComponentSections } from "../runtime/component-binary";
import { readMeta } from "../runtime/component-meta";
import { MANIFEST_SECTION, type Manifest, parseManifest } from "../runtime/manifest";
import { definedMemoryMaxima } from "../runtime/memory-limit";
import { mainModule, mainModuleIndex } from "../runtime/main-module";
import { verifyPin } from "../runtime/pin";
import { resolvePlugin } from "../runtime/plugin-dir";
import { grantFor, type Grant } from "../runtime/policy";
import type { WorldName } from "../runtime/worlds";
import { type CapabilityCheck, capabilityChecks, manifestGrantDifferences } from "./inspect-checks";
import { renderTable } from "./text-table";

export interface InspectDeps {
  pluginDir: string;
  /** The operator's grants (policy file). */
  policy(): Readonly<Record<string, Grant>>;
}

export interface InspectReport {
  name: string;
  /** "installed": from the plugin directory; "file": a component given by path. */
  source: "installed" | "file";
  /** The component file. */
  path: string;
  /** From the manifest; null when there is none. */
  version: string | null;
  /**
   * The world it is of: "plugin" (a CNI plugin) or "controller" (a node controller, run by
   * `wasm-cni agent`); installed: meta.json's, which a pin checks; a file: its main module's
   * exports. null when the file is no component of either.
   */
  world: WorldName | null;
  /** sha256 (hex) of the component file as it is now; null when the file is missing. */
  sha256: string | null;
  /** Installed only: the sha256 meta.json recorded at build, and whether the file still has it. */
  builtSha256?: string;
  sha256Matches?: boolean;
  /** Installed only: the main core module the host compiles (meta.main). */
  mainModule?: string;
  /** Installed only: whether it is byte for byte the component's main core module (main-module.ts; null: a file is missing). */
  mainInComponent?: boolean | null;
  /** Installed only: the component's own imports when meta.json's differ from them. */
  componentImports?: string[];
  /** Host interfaces it imports ("link"): its capability list. */
  imports: string[];
  manifest: Manifest | null;
  /**
   * Installed only: the largest memory maximum its main core module declares, in 64 KiB pages
   * (null: a memory without one, which the host refuses to load).
   */
  declaredMemoryPages?: number | null;
  /** Why the manifest section was not accepted, when it is present but broken. */
  manifestError?: string;
  grant: (Grant & { source: "built-in" | "policy" }) | null;
  /**
   * With a manifest and a grant: the grant's fields that differ from what the manifest states
   * (empty: the grant is the manifest's, as every built-in grant is by construction).
   */
  manifestGrantDiffers?: string[];
  checks: CapabilityCheck[];
  /** The notes of every denied check: what this plugin cannot do under this policy. */
  denied: string[];
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** `bridge` is an installed plugin; anything with a "/" or ending in ".wasm" is a file. */
export function isComponentPath(target: string): boolean {
  return target.includes("/") || target.endsWith(".wasm");
}

function readOptional(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/** An installed plugin's component, read; null when it is no component (reported as not matching, not thrown). */
function installedSections(bytes: Buffer): ReturnType<typeof readComponentSections> | null {
  try {
    return readComponentSections(bytes);
  } catch (e) {
    if (e instanceof ComponentFormatError) return null;
    throw e;
  }
}

function manifestOf(bytes: Buffer | null): { manifest: Manifest | null; manifestError?: string } {
  const section = bytes === null ? undefined : installedSections(bytes)?.custom.get(MANIFEST_SECTION);
  if (section === undefined) return { manifest: null };
  try {
    return { manifest: parseManifest(section) };
  } catch (e) {
    return { manifest: null, manifestError: (e as Error).message };
  }
}

/** The main core module's declared memory maximum, when the module can be read. */
function declaredMemory(path: string): { declaredMemoryPages?: number | null } {
  const bytes = readOptional(path);
  if (bytes === null) return {};
  try {
    const maxima = definedMemoryMaxima(bytes);
    if (maxima.length === 0) return {};
    return { declaredMemoryPages: maxima.includes(null) ? null : Math.max(...(maxima as number[])) };
  } catch {
    return {};
  }
}

function grantOf(name: string, deps: InspectDeps): InspectReport["grant"] {
  const policy = deps.policy();
  try {
    return { ...grantFor(name, policy), source: Object.hasOwn(policy, name) ? "policy" : "built-in" };
  } catch {
    return null;
  }
}

function capNames(imports: readonly string[]): string[] {
  return imports.map((i) => i.replace(/^cni:host\//, "").replace(/@.*$/, "")).filter((n) => !TYPE_ONLY_INTERFACES.includes(n)).sort();
}

export function inspectReport(target: string, deps: InspectDeps): InspectReport {
  let base: Omit<InspectReport, "grant" | "checks" | "denied">;
  let dir: string | undefined;
  if (isComponentPath(target)) {
    const bytes = readFileSync(target);
    const sections = readComponentSections(bytes);
    const m = manifestOf(bytes);
    base = {
      name: m.manifest?.name ?? basename(target).replace(/\.wasm$/, ""), source: "file", path: target,
      version: m.manifest?.version ?? null, world: worldOf(sections.coreModules), sha256: sha256(bytes), imports: capNames(sections.imports), ...m,
    };
  } else {
    dir = resolvePlugin(deps.pluginDir, target);
    const meta = readMeta(dir);
    const path = join(dirname(dir), meta.component);
    const bytes = readOptional(path);
    const main = readOptional(join(dir, meta.main));
    const sections = bytes === null ? null : installedSections(bytes);
    const m = manifestOf(bytes);
    const actual = bytes === null ? null : sha256(bytes);
    const imports = capNames(meta.imports);
    const own = sections === null ? null : capNames(sections.imports);
    base = {
      name: target, source: "installed", path, version: m.manifest?.version ?? null, world: meta.world, sha256: actual,
      builtSha256: meta.sha256, sha256Matches: actual === meta.sha256, imports, ...m,
      mainModule: meta.main,
      mainInComponent: sections === null || main === null ? null : isMainModule(sections.coreModules, main),
      ...(own !== null && own.join() !== imports.join() && { componentImports: own }),
      ...declaredMemory(join(dir, meta.main)),
    };
  }
  const grant = grantOf(base.name, deps);
  const checks = [...capabilityChecks(base.imports, base.manifest, grant, base.declaredMemoryPages), ...pinCheck(base, grant, dir)];
  const differs = base.manifest !== null && grant !== null ? { manifestGrantDiffers: manifestGrantDifferences(base.manifest, grant) } : {};
  return { ...base, grant, ...differs, checks, denied: checks.filter((c) => c.outcome === "denied").map((c) => `${c.capability}: ${c.note}`) };
}

/** The world of a component's main module; null when it has none. */
function worldOf(coreModules: readonly Uint8Array[]): WorldName | null {
  try {
    return mainModule(coreModules).world;
  } catch {
    return null;
  }
}

/** The world row: what it is and who runs it. */
function worldLine(r: InspectReport): string {
  if (r.world === null) return "(none: no core module exports the functions of a world of this host)";
  const what = r.world === "plugin" ? "a CNI plugin: a network config names it" : "a node controller: wasm-cni agent runs it, no network config can";
  const stated = r.manifest?.world ?? "plugin";
  const differs = r.manifest !== null && stated !== r.world ? `; its manifest says "${stated}"` : "";
  return `${r.world} (${what}${differs})`;
}

/** Whether `main` is the component's main module (not a shim, not another module). */
function isMainModule(coreModules: readonly Uint8Array[], main: Uint8Array): boolean {
  try {
    return Buffer.compare(coreModules[mainModuleIndex(coreModules)]!, main) === 0;
  } catch {
    return false;
  }
}

/** Why the installed code is not the component's (the pin covers only the component), or null. */
function codeMismatch(r: Omit<InspectReport, "grant" | "checks" | "denied">): string | null {
  if (r.source !== "installed") return null;
  if (r.sha256 === null) return "the component file is missing";
  if (r.mainInComponent === false) return `the main core module ${r.mainModule} is not the component's main module`;
  if (r.mainInComponent === null) return `the main core module ${r.mainModule} is missing`;
  if (r.componentImports !== undefined) return "meta.json's imports are not the component's";
  return null;
}

/** A grant with `sha256`: whether a call would pass the pin, by the host's own check (pin.ts), as a row. */
function pinCheck(r: Omit<InspectReport, "grant" | "checks" | "denied">, grant: InspectReport["grant"], dir: string | undefined): CapabilityCheck[] {
  if (grant?.sha256 === undefined || r.source !== "installed" || dir === undefined) return [];
  const why = r.sha256 !== grant.sha256 ? `the component's sha256 is ${r.sha256 ?? "(missing)"}` : codeMismatch(r) ?? pinRefusal(dir, grant.sha256);
  const row = { capability: "sha256 pin", requested: "-", granted: grant.sha256 };
  return [why === null
    ? { ...row, outcome: "allowed", note: "the component has the pinned sha256 and the plugin's folder holds its own core modules, its main module the one that runs" }
    : { ...row, outcome: "denied", note: `every call fails before the plugin runs: ${why}` }];
}

/** What verifyPin says of the installed plugin in `dir` (null: it passes), without compiling it. */
function pinRefusal(dir: string, pin: string): string | null {
  try {
    const meta = readMeta(dir);
    verifyPin({ dir, meta, mainBytes: readFileSync(join(dir, meta.main)), imports: [...meta.imports] }, pin);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function grantLine(g: Grant & { source: string }): string {
  const list = (xs: readonly string[]): string => xs.join(", ") || "none";
  return `${g.source}: interfaces ${list(g.interfaces)}; hostNetns ${g.hostNetns}; delegates ${list(g.delegates)}; `
    + `linkKinds ${list(g.linkKinds)}; sysctlKeys ${list(g.sysctlKeys)}; ${g.sysctlFromConfig === true ? "sysctlFromConfig true; " : ""}timeLimitMs ${g.timeLimitMs}; memoryPages ${g.memoryPages}; `
    + `maxStringBytes ${g.maxStringBytes}; maxHostCalls ${g.maxHostCalls}; maxHostBytes ${g.maxHostBytes}; storeBytesPerCall ${g.storeBytesPerCall}; `
    + `storeKeysPerBucket ${g.storeKeysPerBucket}; storeValueBytes ${g.storeValueBytes}${g.sha256 !== undefined ? `; sha256 ${g.sha256}` : ""}`;
}

function manifestVsGrant(differs: readonly string[] | undefined): string {
  if (differs === undefined) return "";
  return differs.length === 0 ? " (the grant is exactly what it states)" : ` (the grant differs in ${differs.join(", ")})`;
}

export function renderInspectReport(r: InspectReport): string {
  const g = r.grant;
  const facts: [string, string][] = [
    ["plugin", r.name],
    ["source", `${r.source} (${r.path})`],
    ["version", r.version ?? "(none)"],
    ["world", worldLine(r)],
    ["sha256", r.sha256 ?? "(component file missing)"],
    ...(r.builtSha256 !== undefined
      ? [["built sha256", `${r.builtSha256}${!r.sha256Matches ? " (DIFFERS: the file changed since the build)"
        : codeMismatch(r) !== null ? ` (DIFFERS: ${codeMismatch(r)}: the code that runs is not the component's)` : " (matches)"}`] as [string, string]]
      : []),
    ...(r.mainModule !== undefined
      ? [["main module", `${r.mainModule} (${r.mainInComponent === true ? "the component's main module"
        : r.mainInComponent === false ? "NOT the component's main module: the code that runs is not the component's" : "missing"})`] as [string, string]]
      : []),
    ["imports", (r.imports.map((i) => `cni:host/${i}`).join(", ") || "(none)")
      + (r.componentImports !== undefined ? ` (meta.json's; DIFFERS from the component's: ${r.componentImports.join(", ") || "none"})` : "")],
    ["manifest", r.manifest ? `${JSON.stringify(r.manifest.capabilities)}${manifestVsGrant(r.manifestGrantDiffers)}` : r.manifestError ? `invalid: ${r.manifestError}` : "no manifest"],
    ["grant", g ? grantLine(g) : "none (deny by default)"],
  ];
  let out = renderTable([{ title: "field" }, { title: "value", width: 100 }], facts);
  out += `\n${renderTable(
    [{ title: "capability" }, { title: "requested", width: 40 }, { title: "granted", width: 40 }, { title: "outcome" }, { title: "note", width: 60 }],
    r.checks.map((c) => [c.capability, c.requested, c.granted, c.outcome, c.note]),
  )}`;
  out += r.denied.length === 0 ? "\nNothing it imports would be denied.\n" : `\nDenied (${r.denied.length}):\n${r.denied.map((d) => `  - ${d}\n`).join("")}`;
  return out;
}
