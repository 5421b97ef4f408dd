import type { CniCall, PluginRunner } from "../cli/plugin-runner";
import { checkResultFits, readPluginResult } from "../cni/convert";
import { CniError, CniErrorCode } from "../cni/errors";
import { CURRENT_VERSION, isSupportedVersion } from "../cni/version";
import { type CallContext, type CallInfo, type HostCallRecord, NamespaceTable } from "../caps/context";
import { Journal } from "../caps/journal";
import { type NetworkConfig, networkConfigOf } from "../caps/network-config";
import { createImports, isCapName, TYPE_ONLY_INTERFACES, type CapName } from "../caps/index";
import type { CniError as WitCniError, Request } from "../generated/interfaces/cni-host-verbs";
import { WORLD } from "../generated/abi";
import type { NativeApi } from "../kernel/native";
import type { Store } from "../store/store";
import { type LoadedComponent, loadComponent, type PluginExports, precompileComponent, type Precompiled, type VerbResult } from "./load-component";
import { CoreLinkError } from "./abi/instance";
import { type AuditLog, auditLine } from "./audit";
import { AbiTrap, type StringDecoder } from "./abi/lift-lower";
import { createGuestStringDecoder, GuestStringError } from "./guest-strings";
import { GuestPanic, where as panicWhere } from "./guest-panic";
import { HostBytes } from "./host-bytes";
import { LimitError } from "./limits";
import { type GuestMemoryUse, memoryLimitHit, memoryNote } from "./memory-limit";
import { checkModuleLimits } from "./module-limits";
import { PluginNotFoundError, resolvePlugin } from "./plugin-dir";
import { checkImports, type Grant, GrantError, grantFor } from "./policy";
import { verifyPin } from "./pin";
import { runWithTimeLimit, TimeLimitError } from "./time-limit";

type Verb = "add" | "del" | "check" | "status" | "gc";

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

/** Everything one CNI call shares across the main plugin and its delegates. */
interface CallScope {
  deps: RuntimeDeps;
  /** Main core modules compiled ahead of time, by plugin name. */
  compiled: Map<string, Precompiled>;
  info: CallInfo;
  args: [string, string][];
  /** What store, ipam and dns take from the runtime's config (never from a plugin). */
  network: NetworkConfig;
  /** Bytes written with store.put, by plugin (storeBytesPerCall). */
  storeWritten: Map<string, number>;
  namespaces: NamespaceTable;
  records: HostCallRecord[];
  /** Components loaded in this call → sha256, for the audit line. */
  components: Map<string, string>;
  /** What an ADD changed, undone when it fails. */
  journal: Journal;
  /** When the main plugin's time limit ends (performance.now() ms); delegates run under it. */
  deadline?: number;
  /** Host memory taken from the plugins (the main plugin's maxHostBytes); delegates share it. */
  hostBytes?: HostBytes;
}

/** The PluginRunner of the real binary: each verb runs in a Wasm component in this process. */
export function createRunner(deps: RuntimeDeps): PluginRunner & {
  records: HostCallRecord[];
  prefetch(plugin: string): void;
  /**
   * Writes the audit line of a call that succeeded, once the edge knows its exit code (the
   * edge still validates and converts the result, and may fail the call with 999).
   */
  flushAudit(exitCode: number): void;
} {
  const records: HostCallRecord[] = [];
  let pendingAudit: ((error?: unknown) => void) | undefined;
  const pending = new Map<string, Promise<Precompiled>>();
  /** Starts compiling `plugin` and the IPAM plugins its built-in grant delegates to. */
  const prefetch = (plugin: string): void => {
    for (const name of [plugin, ...builtinDelegates(plugin)]) {
      if (pending.has(name)) continue;
      try {
        const p = precompileComponent(resolvePlugin(deps.pluginDir, name));
        p.catch(() => {}); // a failure shows when the plugin is loaded for real
        pending.set(name, p);
      } catch {
        // not installed or not a valid name: the real load reports it
      }
    }
  };
  return {
    records,
    prefetch,
    flushAudit(exitCode) {
      pendingAudit?.(exitCode === 0 ? undefined : new CniError(CniErrorCode.INTERNAL, "the plugin's result was rejected by the host (see stderr)"));
      pendingAudit = undefined;
    },
    async run(call: CniCall): Promise<unknown> {
      const audit = deps.auditLog?.();
      const started = new Date();
      const t0 = performance.now();
      const first = records.length;
      const components = new Map<string, string>();
      const writeAudit = (error?: unknown): void => {
        if (!audit) return;
        try {
          audit.write(auditLine({ call, started, t0, records: records.slice(first), components, ...(error !== undefined && { error }) }));
        } catch (e) {
          deps.log(`audit log ${audit.path}: cannot write: ${(e as Error).message}`);
        }
      };
      try {
        const value = await runCall(call, components);
        pendingAudit = writeAudit;
        return value;
      } catch (e) {
        writeAudit(e);
        throw e;
      }
    },
  };

  async function runCall(call: CniCall, components: Map<string, string>): Promise<unknown> {
    deps.mark("call parsed");
    prefetch(call.pluginName);
    const compiled = new Map<string, Precompiled>();
    for (const [name, p] of pending) {
      try {
        compiled.set(name, await p);
      } catch {
        // compiled again, synchronously, with the error reported there
      }
    }
    deps.mark("modules compiled");
    const scope: CallScope = {
      deps,
      compiled,
      info: {
        command: call.command,
        containerId: call.containerId,
        ifname: call.ifname,
        ...(call.netns !== undefined && { netnsPath: call.netns }),
      },
      args: call.args,
      network: networkConfigOf(call.config),
      storeWritten: new Map(),
      namespaces: new NamespaceTable(deps.native()),
      records,
      components,
      journal: new Journal(call.command === "ADD"),
    };
    try {
      const r = runVerb(scope, call.pluginName, verbOf(call.command), call.rawConfig);
      if (!r.ok) throw fromWitError(r.error);
      if (typeof r.value !== "string") return undefined;
      // Checked here too (dispatch converts it after us), so that a bad result still rolls back;
      // so is whether the config's version can hold it (0.2.0 needs an address).
      const current = readPluginResult(parseResultJson(call.pluginName, r.value), call.pluginName);
      const wanted = call.config.cniVersion;
      if (isSupportedVersion(wanted)) checkResultFits(current, wanted, `the result of plugin ${call.pluginName}`);
      return { ...current, cniVersion: CURRENT_VERSION }; // read as current by dispatch, whatever the plugin stamped
    } catch (e) {
      // A failed, trapped or timed-out ADD leaves nothing behind (the records say what was undone).
      scope.journal.rollback(records);
      throw e;
    } finally {
      scope.namespaces.close();
    }
  }
}

function verbOf(command: CniCall["command"]): Verb {
  return command.toLowerCase() as Verb;
}

/**
 * Loads, grants, instantiates and runs one plugin's verb under its time limit. `config` is the
 * runtime's (stdin): a delegate gets it too, as Go's ipam.ExecAdd passes stdin on.
 */
function runVerb(scope: CallScope, plugin: string, verb: Verb, config: string): VerbResult<string | void> {
  const { deps } = scope;
  const component = load(deps, plugin, scope.compiled.get(plugin));
  scope.components.set(plugin, component.meta.sha256);
  const grant = grantOrFail(plugin, deps.policy());
  if (grant.sha256 !== undefined) checkPin(component, grant.sha256);
  const interfaces = capabilities(plugin, component, grant);
  const memoryMaxPages = refuseOnLimit(() => checkModuleLimits(plugin, component.mainBytes, grant.memoryPages, WORLD));
  deps.mark(`${plugin}: loaded`);
  scope.deadline ??= performance.now() + grant.timeLimitMs; // the outer limit holds for delegates (time-limit.ts)
  scope.hostBytes ??= new HostBytes(grant.maxHostBytes); // so does the main plugin's budget
  const ctx: CallContext = {
    plugin,
    grant,
    call: scope.info,
    config,
    network: scope.network,
    namespaces: scope.namespaces,
    store: deps.store,
    buckets: [],
    storeWritten: scope.storeWritten,
    log: deps.log,
    records: scope.records,
    journal: scope.journal,
    hostCalls: 0,
    hostBytes: scope.hostBytes,
    deadline: scope.deadline,
    delegate: (ipamPlugin, ipamVerb) => runVerb(scope, ipamPlugin, ipamVerb, config) as
      { ok: true; value: string } | { ok: false; error: WitCniError },
  };
  try {
    const strings = createGuestStringDecoder(plugin, grant.maxStringBytes, scope.hostBytes);
    const imports = createImports(ctx, interfaces);
    const request: Request = {
      config,
      containerId: scope.info.containerId,
      ifname: scope.info.ifname,
      netns: scope.info.netnsPath ?? "",
      args: scope.args,
    };
    // Instantiation runs the start function (AssemblyScript's top-level code): under the limit too.
    let exports: PluginExports | undefined;
    const result = guard(plugin, () => (exports ? verb : "start function"), grant, (): VerbResult<string | void> => {
      exports = instantiate(plugin, component, imports, strings);
      deps.mark(`${plugin}: instantiated`);
      return exports[verb](request);
    }, () => ({ usedBytes: exports?.memoryBytes(), maxPages: memoryMaxPages }));
    deps.mark(`${plugin}: ${verb} done`);
    return result;
  } finally {
    for (const b of ctx.buckets) b.close();
  }
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

function builtinDelegates(plugin: string): readonly string[] {
  try {
    return grantFor(plugin).delegates;
  } catch {
    return [];
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

/** Instantiates (running the start function); an import the host cannot link is CNI 999. */
function instantiate(plugin: string, component: LoadedComponent, imports: Record<string, object>, strings: StringDecoder): PluginExports {
  try {
    return component.instantiate(imports, strings);
  } catch (e) {
    if (!(e instanceof CoreLinkError)) throw e; // the start function's own failure: guard() reports it
    throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" failed to instantiate: ${e.message}`);
  }
}

/**
 * Runs the guest (its start function, then the verb) under its time limit; a trap, a timeout,
 * a limit hit or a host bug becomes a CNI error, never a stack trace. `phase` names what ran
 * ("start function", "add"); `memory` tells what its memory held, to tell an allocator that
 * hit the memory maximum from any other trap.
 */
function guard<T>(plugin: string, phase: () => string, grant: Grant, fn: () => VerbResult<T>, memory: () => GuestMemoryUse): VerbResult<T> {
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

function fromWitError(e: WitCniError): CniError {
  return new CniError(e.code, e.msg, e.details || undefined);
}

function parseResultJson(plugin: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CniError(CniErrorCode.INTERNAL, `plugin "${plugin}" returned a result that is not JSON`);
  }
}
