/**
 * A node's place in the cluster: a lease of `ttl` seconds, kept alive every third of it; the
 * node's subnets claimed on that lease (subnet-claim.ts) and its record published at
 * `<prefix>/nodes/<name>`, so all of it goes when the node stops renewing. A lost lease (etcd
 * unreachable for longer than the TTL) is granted anew and everything registered again.
 * Stopping does not revoke the lease: running pods keep their routes at the peers while the
 * agent restarts; `leaveCluster` is for a node that goes for good.
 */
import type { ClusterNode } from "../caps/context";
import type { EtcdClient } from "./etcd";
import { NodeNameHeldError } from "./errors";
import { encodeNode, nodeKey, subnetsPrefix } from "./keys";
import { readNodeState, removeNodeState, writeNodeState } from "./node-state";
import { claimSubnet } from "./subnet-claim";
import { inPool, type SubnetPool } from "./subnets";
import { sleep } from "./sleep";

export interface NodeLeaseOptions {
  client: EtcdClient;
  prefix: string;
  stateDir: string;
  /** Lease TTL, seconds. */
  ttl: number;
  /** One pool per family: the IPv4 cluster CIDR, then the IPv6 one when given. */
  pools: readonly SubnetPool[];
  /** The node as published, but for its subnets. */
  node: Omit<ClusterNode, "subnets">;
  log(line: string): void;
  /** Called when a re-registration changed the node (another subnet): rewrite what depends on it. */
  onLocalChange(node: ClusterNode): void;
}

export class NodeLease {
  private readonly stopping = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly o: NodeLeaseOptions,
    /** The lease now held. */
    public lease: string,
    /** This node as published now. */
    public local: ClusterNode,
  ) {}

  /** Grants a lease, claims the subnets (the remembered ones first), publishes the node, keeps the lease alive. */
  static async register(o: NodeLeaseOptions): Promise<NodeLease> {
    const { lease, local } = await registerOnce(o, readNodeState(o.stateDir));
    const nl = new NodeLease(o, lease, local);
    nl.loop = nl.keepAlive();
    return nl;
  }

  /** Stops the keep-alive (the lease is left to run out, not revoked). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async keepAlive(): Promise<void> {
    const signal = this.stopping.signal;
    let failing = false;
    while (!signal.aborted) {
      await sleep((this.o.ttl * 1000) / 3, signal);
      if (signal.aborted) break;
      try {
        if ((await this.o.client.leaseKeepAlive(this.lease)) > 0) {
          if (failing) this.o.log(`lease ${this.lease}: renewed again`);
          failing = false;
          continue;
        }
        this.o.log(`lease ${this.lease} has expired: registering node ${this.local.name} again`);
        const before = JSON.stringify(this.local.subnets);
        const now = await registerOnce(this.o, { name: this.local.name, subnets: this.local.subnets, lease: this.lease });
        [this.lease, this.local] = [now.lease, now.local];
        failing = false;
        if (JSON.stringify(now.local.subnets) !== before) {
          this.o.log(`node ${this.local.name} has new subnets ${now.local.subnets.join(", ")} (the old ones were taken meanwhile)`);
          this.o.onLocalChange(now.local);
        }
      } catch (e) {
        if (!failing) this.o.log(`lease ${this.lease}: keep-alive failed (retrying every ${this.o.ttl / 3} s): ${(e as Error).message}`);
        failing = true;
      }
    }
  }
}

/** One registration on a new lease; the lease is revoked again when it fails halfway. */
async function registerOnce(o: NodeLeaseOptions, before: { name: string; subnets: string[]; lease: string } | undefined): Promise<{ lease: string; local: ClusterNode }> {
  const remembered = before?.name === o.node.name ? before : undefined;
  // A record of this name on a lease that is not ours: another agent under the same name would
  // otherwise take this name's subnet too (claimSubnet gives a node back what names it).
  const held = (await o.client.range(nodeKey(o.prefix, o.node.name))).kvs[0];
  if (held !== undefined && held.lease !== "0" && held.lease !== remembered?.lease) throw new NodeNameHeldError(o.node.name, held.lease);
  const lease = await o.client.leaseGrant(o.ttl);
  try {
    const subnets: string[] = [];
    for (const pool of o.pools) {
      const mine = remembered?.subnets.find((s) => inPool(pool, s));
      subnets.push(await claimSubnet(o.client, { prefix: o.prefix, pool, nodeName: o.node.name, lease, ...(mine !== undefined && { remembered: mine }) }));
    }
    const local: ClusterNode = { ...o.node, subnets };
    writeNodeState(o.stateDir, { name: local.name, subnets, lease });
    await o.client.put(nodeKey(o.prefix, local.name), encodeNode(local), { lease });
    // Keys still on the previous lease (a restart within its TTL) moved to this one when put
    // again; what is left on it (a subnet of an old cluster CIDR) goes with it now.
    if (remembered !== undefined && remembered.lease !== lease) await o.client.leaseRevoke(remembered.lease).catch(() => false);
    return { lease, local };
  } catch (e) {
    await o.client.leaseRevoke(lease).catch(() => false);
    throw e;
  }
}

/**
 * Takes the node out of the cluster for good: revokes its last lease (its keys go with it),
 * deletes any subnet key or node record that still names it, forgets its subnets.
 * Answers what was removed, for the log.
 */
export async function leaveCluster(client: EtcdClient, prefix: string, stateDir: string, name: string): Promise<string[]> {
  const removed: string[] = [];
  const state = readNodeState(stateDir);
  if (state !== undefined && state.name === name && (await client.leaseRevoke(state.lease))) removed.push(`lease ${state.lease}`);
  const { kvs } = await client.range(subnetsPrefix(prefix), { prefix: true });
  for (const kv of kvs.filter((k) => k.value === name)) {
    if ((await client.delete(kv.key)) > 0) removed.push(kv.key);
  }
  if ((await client.delete(nodeKey(prefix, name))) > 0) removed.push(nodeKey(prefix, name));
  removeNodeState(stateDir);
  return removed;
}
