import type { CniCall, PluginRunner } from "../cli/plugin-runner";
import { checkResultFits, readPluginResult } from "../cni/convert";
import { CniError, CniErrorCode } from "../cni/errors";
import { CURRENT_VERSION, isSupportedVersion } from "../cni/version";
import { type CallContext, type CallInfo, type HostCallRecord, NamespaceTable } from "../caps/context";
import { Journal } from "../caps/journal";
import { type NetworkConfig, networkConfigOf } from "../caps/network-config";
import { createImports } from "../caps/index";
import type { CniError as WitCniError, Request } from "../generated/interfaces/cni-host-verbs";
import { type PluginExports, precompileComponent, type Precompiled, type VerbResult } from "./load-component";
import { auditLine } from "./audit";
import { guard, instantiateOrFail, prepareGuest, type RuntimeDeps } from "./guest-call";
import { createGuestStringDecoder } from "./guest-strings";
import { HostBytes } from "./host-bytes";
import { resolvePlugin } from "./plugin-dir";
import { grantFor } from "./policy";

type Verb = "add" | "del" | "check" | "status" | "gc";

export type { RuntimeDeps } from "./guest-call";

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
  const { component, grant, interfaces, memoryMaxPages } = prepareGuest(deps, plugin, "plugin", scope.compiled.get(plugin), (sha256) => scope.components.set(plugin, sha256));
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
      exports = instantiateOrFail(plugin, () => component.instantiate(imports, strings));
      deps.mark(`${plugin}: instantiated`);
      return exports[verb](request);
    }, () => ({ usedBytes: exports?.memoryBytes(), maxPages: memoryMaxPages }));
    deps.mark(`${plugin}: ${verb} done`);
    return result;
  } finally {
    for (const b of ctx.buckets) b.close();
  }
}

function builtinDelegates(plugin: string): readonly string[] {
  try {
    return grantFor(plugin).delegates;
  } catch {
    return [];
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
