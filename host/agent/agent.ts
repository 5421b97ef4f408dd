/**
 * `wasm-cni agent`: the node agent, generic and small (flannel's flanneld without a backend of
 * its own). It keeps the node's lease and subnets in etcd (cluster/node-lease.ts), writes the
 * node's conflist, watches the other nodes (cluster/node-watch.ts) and hands every new view to
 * the controller (reconcile-loop.ts). The network's logic is in the controller component.
 */
import { rmSync } from "node:fs";
import type { ClusterNode } from "../caps/context";
import { EtcdClient } from "../cluster/etcd";
import { EtcdBadResponseError, EtcdServerError, EtcdUnreachableError, NodeNameHeldError } from "../cluster/errors";
import { leaveCluster, NodeLease } from "../cluster/node-lease";
import { NodeWatch } from "../cluster/node-watch";
import { sleep } from "../cluster/sleep";
import { subnetPool } from "../cluster/subnets";
import { vtepMac } from "../cluster/vtep-mac";
import type { AgentConfig } from "./config";
import { writeConflist } from "./conflist";
import { type BackoffMs, DEFAULT_BACKOFF, ReconcileLoop, type Reconciler } from "./reconcile-loop";
import type { Underlay } from "./underlay";
import { buildView } from "./view";

export interface AgentDeps {
  config: AgentConfig;
  underlay: Underlay;
  reconcile: Reconciler;
  log(line: string): void;
  /** The retry delays of reconciles and of the first registration (default 0.5 s doubling to 30 s). */
  backoff?: BackoffMs;
  /** Reads a file's text, undefined when absent (the conflist is rewritten only when it differs). */
  readFile(path: string): string | undefined;
}

const etcdTrouble = (e: unknown): boolean =>
  e instanceof EtcdUnreachableError || e instanceof EtcdBadResponseError || e instanceof EtcdServerError;

/**
 * Runs the agent until `signal` aborts, then stops keep-alive and watch and returns: the lease
 * is not revoked, so the peers keep this node's routes while it restarts (within leaseTtl).
 * Throws what makes running pointless (no free subnet left, a config the kernel refuses).
 */
export async function runAgent(deps: AgentDeps, signal: AbortSignal): Promise<void> {
  const cfg = deps.config;
  const log = deps.log;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const client = new EtcdClient({ endpoints: cfg.etcd.endpoints, timeoutMs: cfg.etcd.timeoutMs });
  const pools = [subnetPool(cfg.clusterCidr, cfg.subnetLength), ...(cfg.clusterCidr6 !== undefined ? [subnetPool(cfg.clusterCidr6, cfg.subnetLength6)] : [])];
  const clusterCidrs = pools.map((p) => p.cidr);
  const loop = new ReconcileLoop(deps.reconcile, cfg.stateDir, log, backoff);
  let local: ClusterNode | undefined;
  let nodes: ClusterNode[] | undefined;
  let lastLeftOut = "";

  const writeConf = (node: ClusterNode): void => {
    const changed = writeConflist(cfg.conflist.path, {
      network: cfg.network, name: cfg.conflist.name, subnets: node.subnets, underlayMtu: deps.underlay.mtu,
      ...(cfg.conflist.dataDir !== undefined && { dataDir: cfg.conflist.dataDir }),
    }, deps.readFile);
    if (changed) log(`wrote ${cfg.conflist.path} (${cfg.network}, subnets ${node.subnets.join(", ")})`);
  };
  const submit = (): void => {
    if (local === undefined || nodes === undefined) return;
    const { view, leftOut } = buildView({
      local, nodes, clusterCidrs, underlayLink: deps.underlay.link, underlayMtu: deps.underlay.mtu, options: cfg.controller.options,
    });
    if (leftOut.join("\n") !== lastLeftOut) for (const why of leftOut) log(`left out of the view: ${why}`);
    lastLeftOut = leftOut.join("\n");
    loop.submit(view);
  };

  let lease: NodeLease | undefined;
  let watch: NodeWatch | undefined;
  // The same view again every resyncSeconds: a route, neighbour or FDB entry someone removed
  // by hand comes back (a reconcile of an unchanged, converged node changes nothing).
  const repair = setInterval(submit, cfg.resyncSeconds * 1000);
  try {
    // etcd may come up after the agent (both started at boot): wait for it.
    for (let delay = backoff.first; lease === undefined && !signal.aborted; delay = Math.min(delay * 2, backoff.max)) {
      try {
        lease = await NodeLease.register({
          client, prefix: cfg.etcd.prefix, stateDir: cfg.stateDir, ttl: cfg.leaseTtl, pools, log,
          node: { name: cfg.nodeName, underlay: deps.underlay.address, vtepMac: vtepMac(cfg.nodeName) },
          onLocalChange: (node) => {
            local = node;
            writeConf(node);
            submit();
          },
        });
      } catch (e) {
        if (!etcdTrouble(e) && !(e instanceof NodeNameHeldError)) throw e;
        log(`registering node ${cfg.nodeName}: ${(e as Error).message}; retrying in ${delay / 1000} s`);
        await sleep(delay, signal);
      }
    }
    if (lease === undefined) return;
    local = lease.local;
    log(`node ${local.name} registered: subnets ${local.subnets.join(", ")}, underlay ${local.underlay} (${deps.underlay.link}, mtu ${deps.underlay.mtu}), vtep ${local.vtepMac}, lease ${lease.lease} (${cfg.leaseTtl} s)`);
    writeConf(local);
    watch = new NodeWatch({
      client, prefix: cfg.etcd.prefix, resyncMs: cfg.resyncSeconds * 1000, log,
      onNodes: (n) => {
        nodes = n;
        submit();
      },
    });
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
    log(`stopping: lease ${lease.lease} is left to expire in ${cfg.leaseTtl} s unless the agent comes back (--leave revokes it)`);
  } finally {
    clearInterval(repair);
    await watch?.stop();
    await loop.stop();
    await lease?.stop();
    client.close();
  }
}

/**
 * `wasm-cni agent --leave`: the node leaves the cluster for good. Its lease is revoked (its
 * subnets and record go at once; the peers remove their routes to it), its remembered subnets
 * forgotten and its conflist removed, so no new pod takes an address from a subnet that another
 * node may get next. Run it with the agent stopped.
 */
export async function leaveAgent(cfg: AgentConfig, log: (line: string) => void): Promise<void> {
  const client = new EtcdClient({ endpoints: cfg.etcd.endpoints, timeoutMs: cfg.etcd.timeoutMs });
  try {
    const removed = await leaveCluster(client, cfg.etcd.prefix, cfg.stateDir, cfg.nodeName);
    rmSync(cfg.conflist.path, { force: true });
    log(`node ${cfg.nodeName} left the cluster: removed ${removed.length > 0 ? removed.join(", ") : "nothing (it held nothing)"}; removed ${cfg.conflist.path}`);
  } finally {
    client.close();
  }
}
