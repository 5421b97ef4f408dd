/**
 * Runs a node controller (a component of world controller) once: `reconcile(view)` with the
 * cluster's view, as `wasm-cni agent` calls it on every change (and `wasm-cni reconcile`
 * once). Everything a CNI call checks is checked the same way (guest-call.ts: resolve, world,
 * grant, pin, imports, module limits; then the time, host-call, string and host-memory limits),
 * with a call context whose `cluster` is the view: the controller's scope in the host netns is
 * derived from it (scope.ts), never from what the controller passes. The journal is on: a
 * reconcile that fails in any way (an error result, a trap, a limit, the time limit) is rolled
 * back, so the node is left as it was before it. One audit line per reconcile (verb RECONCILE).
 */
import { type CallContext, type ClusterView, type HostCallRecord, NamespaceTable } from "../caps/context";
import { createImports } from "../caps/index";
import { Journal } from "../caps/journal";
import { CniError, CniErrorCode, toCniError } from "../cni/errors";
import { type AuditedCall, type AuditLog, auditLine } from "./audit";
import { parseClusterView } from "./cluster-view";
import { guard, instantiateOrFail, prepareGuest, type RuntimeDeps } from "./guest-call";
import { createGuestStringDecoder } from "./guest-strings";
import { HostBytes } from "./host-bytes";
import type { ControllerExports, VerbResult } from "./load-component";

export type ControllerOutcome = { ok: true } | { ok: false; error: CniError };

/**
 * Calls `plugin`'s reconcile with `view` in the namespace this process runs in (the node's).
 * Never throws: every failure, the host's refusals included, is `{ ok: false, error }`, and
 * whatever the reconcile changed before it failed has been undone.
 */
export async function runController(deps: RuntimeDeps, plugin: string, view: ClusterView): Promise<ControllerOutcome> {
  const started = new Date();
  const t0 = performance.now();
  const records: HostCallRecord[] = [];
  const components = new Map<string, string>();
  let audit: AuditLog | undefined;
  let outcome: ControllerOutcome;
  let failure: unknown;
  try {
    audit = deps.auditLog?.(); // fails closed: no reconcile when the asked-for log cannot be opened
    reconcile(deps, plugin, checkView(view), records, components);
    outcome = { ok: true };
  } catch (e) {
    failure = e;
    outcome = { ok: false, error: toCniError(e) };
  }
  if (audit) {
    const call: AuditedCall = { command: "RECONCILE", pluginName: plugin, containerId: "", ifname: "", config: { name: view.local?.name ?? "" } };
    try {
      audit.write(auditLine({ call, started, t0, records, components, ...(failure !== undefined && { error: failure }) }));
    } catch (e) {
      deps.log(`audit log ${audit.path}: cannot write: ${(e as Error).message}`);
    }
  }
  return outcome;
}

/** The view, checked as the agent's input (cluster-view.ts): a bad one is CNI error 7 and nothing runs. */
function checkView(view: ClusterView): ClusterView {
  try {
    return parseClusterView(view, "the cluster view");
  } catch (e) {
    throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, (e as Error).message);
  }
}

/**
 * Loads, grants, instantiates and runs the controller's reconcile under its time limit; throws
 * a CniError when it fails in any way, after rolling back what it did.
 */
function reconcile(deps: RuntimeDeps, plugin: string, view: ClusterView, records: HostCallRecord[], components: Map<string, string>): void {
  const { component, grant, interfaces, memoryMaxPages } = prepareGuest(deps, plugin, "controller", undefined, (sha256) => components.set(plugin, sha256));
  deps.mark(`${plugin}: loaded`);
  const hostBytes = new HostBytes(grant.maxHostBytes);
  const journal = new Journal(true);
  const namespaces = new NamespaceTable(deps.native());
  const ctx: CallContext = {
    plugin,
    grant,
    call: { command: "RECONCILE", containerId: "", ifname: "" },
    config: "", // a controller has no network config: nothing is in its scope by name (scope.ts)
    cluster: view,
    network: { name: "" },
    namespaces,
    store: deps.store,
    buckets: [],
    storeWritten: new Map(),
    log: deps.log,
    records,
    journal,
    hostCalls: 0,
    hostBytes,
    deadline: performance.now() + grant.timeLimitMs,
    delegate: () => ({ ok: false, error: { code: CniErrorCode.INVALID_NETWORK_CONFIG, msg: `controller "${plugin}" has no IPAM plugin to delegate to`, details: "" } }),
  };
  try {
    const strings = createGuestStringDecoder(plugin, grant.maxStringBytes, hostBytes);
    const imports = createImports(ctx, interfaces);
    // Instantiation runs the start function (AssemblyScript's top-level code): under the limit too.
    let exports: ControllerExports | undefined;
    const result = guard(plugin, () => (exports ? "reconcile" : "start function"), grant, (): VerbResult<void> => {
      exports = instantiateOrFail(plugin, () => component.instantiateController(imports, strings));
      deps.mark(`${plugin}: instantiated`);
      return exports.reconcile(view);
    }, () => ({ usedBytes: exports?.memoryBytes(), maxPages: memoryMaxPages }));
    deps.mark(`${plugin}: reconcile done`);
    if (!result.ok) throw new CniError(result.error.code, result.error.msg, result.error.details || undefined);
  } catch (e) {
    // A failed, trapped or stopped reconcile leaves nothing behind (the records say what was undone).
    journal.rollback(records);
    throw e;
  } finally {
    for (const b of ctx.buckets) b.close();
    namespaces.close();
  }
}
