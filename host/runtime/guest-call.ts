/**
 * What running any component's export takes, shared by CNI plugins (run-plugin.ts) and node
 * controllers (run-controller.ts): resolve it in the plugin directory, check it is of the world
 * the caller runs, its grant, its pin, its imports against the grant and its core module
 * against the limits; then instantiate and call it under its time limit, every failure of the
 * guest a CNI error and never a stack trace.
 */
import { CniError, CniErrorCode } from "../cni/errors";
import { isCapName, TYPE_ONLY_INTERFACES, type CapName } from "../caps/index";
import type { NativeApi } from "../kernel/native";
import type { Store } from "../store/store";
import { CoreLinkError } from "./abi/instance";
import { AbiTrap } from "./abi/lift-lower";
import type { AuditLog } from "./audit";
import { GuestPanic, where as panicWhere } from "./guest-panic";
import { GuestStringError } from "./guest-strings";
import { LimitError } from "./limits";
import { type LoadedComponent, loadComponent, type Precompiled, type VerbResult } from "./load-component";
import { type GuestMemoryUse, memoryLimitHit, memoryNote } from "./memory-limit";
import { checkModuleLimits } from "./module-limits";
import { verifyPin } from "./pin";
import { PluginNotFoundError, resolvePlugin } from "./plugin-dir";
import { checkImports, type Grant, GrantError, grantFor } from "./policy";
import { runWithTimeLimit, TimeLimitError } from "./time-limit";
import { describeWorld, type WorldName, worldAbi } from "./worlds";

export interface RuntimeDeps {
  pluginDir: string;
  /** The addon, loaded on first use so that a broken install is a CNI error, not a crash. */
  native(): NativeApi;
  store: Store;
  /** The operator's grants (policy file), on top of the built-in ones; read when first needed. */
  policy(): Readonly<Record<string, Grant>>;
  /** Diagnostics (stderr). */
  log(line: string): void;
  /** Phase marks for the trace (WASM_CNI_TRACE); a no-op unless tracing. */
  mark(phase: string): void;
  /** The audit log of one call, opened before anything runs; undefined when auditing is off. */
  auditLog?(): AuditLog | undefined;
}

/** A component checked and ready to instantiate: what it is, what it may import and use. */
export interface PreparedGuest {
  component: LoadedComponent;
  grant: Grant;
  /** The host interfaces it imports, each granted. */
  interfaces: CapName[];
  /** Its memory's declared maximum in pages (for the memory limit's message). */
  memoryMaxPages: number | undefined;
}

/**
 * Loads `plugin` (or takes it precompiled) and checks, in this order, that it is of `world`,
 * its grant, its pin, its imports and its core module's limits. Every refusal is a CniError:
 * 7 for a name that names nothing runnable here (missing, or of the other world), else 999.
 * `loaded` gets the component's sha256 as soon as it is read (for the audit line, refused or not).
 */
export function prepareGuest(
  deps: RuntimeDeps, plugin: string, world: WorldName, compiled: Precompiled | undefined, loaded: (sha256: string) => void,
): PreparedGuest {
  const component = load(deps, plugin, compiled);
  loaded(component.meta.sha256);
  if (component.meta.world !== world) throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, wrongWorld(plugin, component.meta.world, world));
  const grant = grantOrFail(plugin, deps.policy());
  if (grant.sha256 !== undefined) checkPin(component, grant.sha256);
  const interfaces = capabilities(plugin, component, grant);
  const memoryMaxPages = refuseOnLimit(() => checkModuleLimits(plugin, component.mainBytes, grant.memoryPages, worldAbi(world)));
  return { component, grant, interfaces, memoryMaxPages };
}

/** Why `plugin` cannot run where a component of `wanted` is asked for. */
function wrongWorld(plugin: string, is: WorldName, wanted: WorldName): string {
  return wanted === "plugin"
    ? `plugin "${plugin}" is ${describeWorld(is)}, not a CNI plugin: \`wasm-cni agent\` (or \`wasm-cni reconcile\`) runs it, a network configuration cannot name it`
    : `plugin "${plugin}" is ${describeWorld(is)}, not a node controller: a controller is built from a manifest.json with "world": "controller"`;
}

/** A LimitError or GrantError at load (module-limits.ts) as CNI error 999, keeping it as the cause for the audit. */
function refuseOnLimit<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof LimitError || e instanceof GrantError) throw new CniError(CniErrorCode.INTERNAL, e.message, undefined, { cause: e });
    throw e;
  }
}

function checkPin(component: LoadedComponent, pin: string): void {
  try {
    verifyPin(component, pin);
  } catch (e) {
    if (e instanceof GrantError) throw new CniError(CniErrorCode.INTERNAL, e.message, undefined, { cause: e });
    throw e;
  }
}

function load(deps: RuntimeDeps, plugin: string, compiled: Precompiled | undefined): LoadedComponent {
  try {
    return loadComponent(resolvePlugin(deps.pluginDir, plugin), compiled);
  } catch (e) {
    if (e instanceof PluginNotFoundError) throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, e.message);
    throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" could not be loaded: ${(e as Error).message}`);
  }
}

function grantOrFail(plugin: string, policy: Readonly<Record<string, Grant>>): Grant {
  try {
    return grantFor(plugin, policy);
  } catch (e) {
    if (e instanceof GrantError) throw new CniError(CniErrorCode.INTERNAL, e.message, undefined, { cause: e });
    throw e;
  }
}

/** The component's capability list, checked against its grant. */
function capabilities(plugin: string, component: LoadedComponent, grant: Grant): CapName[] {
  const names = component.imports
    .map((i) => i.replace(/^cni:host\//, "").replace(/@.*$/, ""))
    .filter((n) => !TYPE_ONLY_INTERFACES.includes(n));
  const unknown = names.filter((n) => !isCapName(n));
  if (unknown.length > 0) {
    throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" imports ${unknown.join(", ")}, which this host does not provide`);
  }
  try {
    checkImports(plugin, names, grant);
  } catch (e) {
    if (e instanceof GrantError) throw new CniError(CniErrorCode.INTERNAL, e.message, undefined, { cause: e });
    throw e;
  }
  return names as CapName[];
}

/** Instantiates (running the start function) with `make`; an import the host cannot link is CNI 999. */
export function instantiateOrFail<T>(plugin: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof CoreLinkError)) throw e; // the start function's own failure: guard() reports it
    throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" failed to instantiate: ${e.message}`);
  }
}

/**
 * Runs the guest (its start function, then the export) under its time limit; a trap, a timeout,
 * a limit hit or a host bug becomes a CNI error, never a stack trace. `phase` names what ran
 * ("start function", "add"); `memory` tells what its memory held, to tell an allocator that
 * hit the memory maximum from any other trap.
 */
export function guard<T>(plugin: string, phase: () => string, grant: Grant, fn: () => VerbResult<T>, memory: () => GuestMemoryUse): VerbResult<T> {
  try {
    return runWithTimeLimit(fn, grant.timeLimitMs);
  } catch (e) {
    if (e instanceof CniError) throw e;
    const where = phase();
    if (e instanceof LimitError || e instanceof GuestStringError) {
      throw new CniError(CniErrorCode.INTERNAL, `${e.message} (in ${where})`, undefined, { cause: e });
    }
    if (e instanceof TimeLimitError) {
      const msg = `plugin "${plugin}" ${where}: ${e.message}`;
      throw new CniError(CniErrorCode.INTERNAL, msg, undefined, { cause: new LimitError(plugin, "timeLimitMs", msg) });
    }
    // The guest's own account of its trap (the SDK's abort: message, file, line), escaped and cut.
    if (e instanceof GuestPanic) {
      const said = `${e.report.message} (at ${panicWhere(e.report)})`; // also in details, where a runtime shows a plugin's own account
      throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" panicked in ${where}: ${said}`, said, { cause: e });
    }
    const message = (e as Error)?.message ?? String(e);
    // An AbiTrap is the guest breaking the canonical ABI: a trap as much as the engine's own.
    if ((e as Error)?.constructor?.name === "RuntimeError" || e instanceof AbiTrap) {
      const use = memory();
      const full = e instanceof AbiTrap ? undefined : memoryLimitHit(plugin, message, use);
      if (full) throw new CniError(CniErrorCode.INTERNAL, `${full.message} (in ${where}: ${message})`, undefined, { cause: full });
      throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" trapped in ${where}: ${message}${memoryNote(use)}`, undefined, { cause: e });
    }
    throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" failed in ${where}: ${message}`, undefined, { cause: e });
  }
}
