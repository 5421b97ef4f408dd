import type { NativeApi } from "../kernel/native";
import { NetnsHandle } from "../kernel/netns";
import { RtnlHandle } from "../kernel/rtnl/handle";
import { HOST_CALL_RECORD_BYTES, type HostBytes } from "../runtime/host-bytes";
import { CniError as HostCniError } from "../cni/errors";
import { LimitError } from "../runtime/limits";
import type { Grant } from "../runtime/policy";
import type { Bucket, Store } from "../store/store";
import type { CniError } from "../generated/interfaces/cni-host-types";
import type { Node, View } from "../generated/interfaces/cni-host-cluster";
import { CapError, CniDenial, describeHostError, toHostError, WitError } from "./errors";
import type { Journal } from "./journal";
import type { NetworkConfig } from "./network-config";
import type { PluginScope } from "./scope";

/** The call a plugin serves, as the host functions need it; RECONCILE is a controller's (run-controller.ts). */
export interface CallInfo {
  command: "ADD" | "DEL" | "CHECK" | "STATUS" | "GC" | "RECONCILE";
  containerId: string;
  ifname: string;
  /** CNI_NETNS, when given. */
  netnsPath?: string;
}

/** One node of a cluster view (WIT cluster.node). */
export type ClusterNode = Node;

/**
 * The view a controller reconciles the node to (WIT cluster.view): what `wasm-cni agent` read
 * from etcd and its own config. A controller's scope in the host netns is derived from it.
 */
export type ClusterView = View;

/** One host-function call, for the audit trail and the phase breakdown. */
export interface HostCallRecord {
  plugin: string;
  fn: string;
  args: unknown[];
  outcome: "ok" | string;
  durationMs: number;
}

/** Runs an IPAM plugin in process for ipam.*, on the runtime's config of the call. */
export type Delegate = (plugin: string, verb: "add" | "check" | "del" | "status" | "gc") =>
  { ok: true; value: string } | { ok: false; error: CniError };

/**
 * Everything the host functions of one plugin instance may touch. No module-level state: one
 * host process runs several plugins (a main plugin and its IPAM) with different grants.
 */
export interface CallContext {
  plugin: string;
  grant: Grant;
  call: CallInfo;
  /**
   * The net config the runtime passed on stdin, which the main plugin and its delegates alike
   * are given: the links it names are in the plugin's scope in the host netns.
   */
  config: string;
  /**
   * Set only when a controller reconciles (run-controller.ts): the agent's view, from which its
   * scope is derived (which routes, neighbour and FDB entries it may make). Never from the guest.
   */
  cluster?: ClusterView;
  /** What the host takes from that config for store, ipam and dns (never from a plugin). */
  network: NetworkConfig;
  /** Handles it holds and what it may touch in the host netns (scope.ts); made on first use. */
  scope?: PluginScope;
  /** The sysctl keys the runtime's config names (sysctl-config.ts), read on first use. */
  configSysctlKeys?: Set<string>;
  namespaces: NamespaceTable;
  store: Store;
  /** Open store buckets; a bucket handle is its index. Closed when the instance ends. */
  buckets: Bucket[];
  /** Bytes written with store.put in this call, by plugin (storeBytesPerCall); shared with delegates. */
  storeWritten: Map<string, number>;
  log(line: string): void;
  delegate: Delegate;
  /** Shared with delegated plugins, so one call's records stay together. */
  records: HostCallRecord[];
  /** What this call changed, to undo if it fails (ADD only); shared with delegates. */
  journal: Journal;
  /** Host functions this plugin instance has called, against its grant's maxHostCalls. */
  hostCalls: number;
  /**
   * Host memory the call has taken from its plugins (maxHostBytes); shared with delegates.
   * run-plugin.ts always sets it; unit tests of caps may leave it out.
   */
  hostBytes?: HostBytes;
  /**
   * When the verb's time limit ends (performance.now() ms; a delegate shares its caller's), so
   * that a host function that waits (addr.settle) returns before the plugin is stopped.
   */
  deadline?: number;
}

/**
 * The namespaces of one call, handed to guests as small integer ids. Each keeps one rtnetlink
 * socket opened in it (a socket stays bound to the netns it was created in), closed at the end.
 */
export class NamespaceTable {
  private readonly entries: { ns: NetnsHandle; rtnl?: RtnlHandle }[] = [];
  private readonly byPath = new Map<string, number>();

  constructor(private readonly native: NativeApi) {}

  /** The id of the netns at `path` ("" for the namespace the host runs in), opening it once. */
  open(path: string): number {
    const known = this.byPath.get(path);
    if (known !== undefined) return known;
    const ns = path === "" ? NetnsHandle.current(this.native) : NetnsHandle.open(this.native, path);
    const id = this.entries.push({ ns }) - 1;
    this.byPath.set(path, id);
    return id;
  }

  netns(id: number): NetnsHandle {
    return this.entry(id).ns;
  }

  /** The rtnetlink handle of namespace `id`, opened on first use. */
  rtnl(id: number): RtnlHandle {
    const e = this.entry(id);
    e.rtnl ??= RtnlHandle.openAt(e.ns);
    return e.rtnl;
  }

  close(): void {
    for (const e of this.entries) {
      e.rtnl?.close();
      e.ns.close();
    }
    this.entries.length = 0;
    this.byPath.clear();
  }

  private entry(id: number): { ns: NetnsHandle; rtnl?: RtnlHandle } {
    const e = Number.isInteger(id) ? this.entries[id] : undefined;
    if (!e) throw new CapError({ tag: "invalid", val: `netns id ${id} was not opened in this call` });
    return e;
  }
}

/**
 * Counts one host-function call against the grant's maxHostCalls. Past it, a plain error
 * (not a WIT error): it unwinds the guest, which cannot loop on, and the call rolls back.
 */
export function countHostCall(ctx: CallContext, fn: string): void {
  if (++ctx.hostCalls > ctx.grant.maxHostCalls) {
    throw new LimitError(ctx.plugin, "maxHostCalls",
      `plugin "${ctx.plugin}" called ${fn} after its limit of maxHostCalls ${ctx.grant.maxHostCalls} host calls per verb was used up`);
  }
}

/**
 * Wraps one host function: counts it (countHostCall), records it, turns expected failures
 * into the WIT error (CapError) and lets host bugs through as plain errors, which trap the guest.
 */
export function hostCall<A extends unknown[], R>(ctx: CallContext, fn: string, body: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    countHostCall(ctx, fn);
    ctx.hostBytes?.take(ctx.plugin, HOST_CALL_RECORD_BYTES, `the audit record of ${fn}`);
    const t0 = performance.now();
    const record: HostCallRecord = { plugin: ctx.plugin, fn, args, outcome: "ok", durationMs: 0 };
    ctx.records.push(record);
    try {
      return body(...args);
    } catch (e) {
      if (e instanceof LimitError || e instanceof HostCniError) {
        record.outcome = `stopped: ${e.message}`; // a limit hit here or in a delegate ends the call as is
        throw e;
      }
      if (e instanceof CniDenial) {
        record.outcome = `denied: ${e.message}`; // a refusal in a cni-error interface: still a denial
        throw e;
      }
      if (e instanceof WitError && !(e instanceof CapError)) {
        record.outcome = `err: ${e.message}`; // a delegate's cni-error, for the guest as is
        throw e;
      }
      const hostError = toHostError(e);
      record.outcome = hostError ? describeHostError(hostError) : `bug: ${String(e)}`;
      if (hostError) throw e instanceof CapError ? e : new CapError(hostError);
      throw new Error(`host function ${fn} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    } finally {
      record.durationMs = performance.now() - t0;
    }
  };
}
