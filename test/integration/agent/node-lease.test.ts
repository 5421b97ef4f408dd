// host/cluster/node-lease.ts and subnet-claim.ts against a real etcd: subnets never shared,
// also by nodes registering at once; exhaustion; a restart keeps the subnet; a lease that is
// not kept alive takes the node's keys; a lost lease is granted again.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EtcdClient } from "../../../host/cluster/etcd";
import { NodeNameHeldError } from "../../../host/cluster/errors";
import { leaveCluster, NodeLease, type NodeLeaseOptions } from "../../../host/cluster/node-lease";
import { readNodeState } from "../../../host/cluster/node-state";
import { SubnetsExhaustedError } from "../../../host/cluster/subnet-claim";
import { subnetPool } from "../../../host/cluster/subnets";
import { etcdMissing, startEtcd, type TestEtcd } from "../../helpers/etcd";

describe.skipIf(etcdMissing() !== undefined)("node lease and subnets", () => {
  let etcd: TestEtcd;
  let client: EtcdClient;
  const dirs: string[] = [];
  const leases: NodeLease[] = [];
  let n = 0;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.endpoint], timeoutMs: 2_000 });
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.stop()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  /** Options of node `name` in a cluster under a fresh prefix. */
  function node(prefix: string, name: string, o: Partial<NodeLeaseOptions> = {}): NodeLeaseOptions {
    const stateDir = mkdtempSync(join(tmpdir(), "agent-state-"));
    dirs.push(stateDir);
    return {
      client, prefix, stateDir, ttl: 2, log: () => {}, onLocalChange: () => {},
      pools: [subnetPool("10.244.0.0/16", 24)],
      node: { name, underlay: "192.0.2.1", vtepMac: "02:00:00:00:00:01" },
      ...o,
    };
  }
  const prefix = (): string => `/c${++n}`;
  const register = async (o: NodeLeaseOptions): Promise<NodeLease> => {
    const l = await NodeLease.register(o);
    leases.push(l);
    return l;
  };
  const values = async (key: string): Promise<Record<string, string>> =>
    Object.fromEntries((await client.range(key, { prefix: true })).kvs.map((kv) => [kv.key, kv.value]));

  it("16 nodes registering at once in a pool of exactly 16 subnets each get a different one (races settled by the txn)", async () => {
    const p = prefix();
    const pool = [subnetPool("10.9.0.0/28", 32)]; // 16 subnets
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => register(node(p, `n${i}`, { pools: pool }))));
    const subnets = all.map((l) => l.local.subnets[0]);
    expect(new Set(subnets).size).toBe(16);
    const held = await values(`${p}/subnets/`);
    expect(Object.keys(held)).toHaveLength(16);
    for (const l of all) expect(held[`${p}/subnets/${l.local.subnets[0]!.replace("/", "_")}`]).toBe(l.local.name);
    const nodes = await values(`${p}/nodes/`);
    expect(JSON.parse(nodes[`${p}/nodes/n3`]!)).toEqual(all[3]!.local);
  });

  it("dual stack: one IPv4 and one IPv6 subnet per node", async () => {
    const p = prefix();
    const l = await register(node(p, "dual", { pools: [subnetPool("10.244.0.0/16", 24), subnetPool("fd00:10::/48", 64)] }));
    expect(l.local.subnets).toHaveLength(2);
    expect(l.local.subnets[0]).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(l.local.subnets[1]).toMatch(/^fd00:10:0:[0-9a-f]+::\/64$/);
  });

  it("a cluster CIDR with every subnet held fails with SubnetsExhaustedError naming the holders, and leaves no lease behind", async () => {
    const p = prefix();
    const pools = [subnetPool("10.8.0.0/29", 30)]; // 2 subnets
    await register(node(p, "a", { pools }));
    await register(node(p, "b", { pools }));
    const err = await NodeLease.register(node(p, "c", { pools })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubnetsExhaustedError);
    expect((err as Error).message).toBe("cluster CIDR 10.8.0.0/29 has no free /30 subnet: all 2 are held (by a, b)");
    expect(Object.keys(await values(`${p}/nodes/`))).toEqual([`${p}/nodes/a`, `${p}/nodes/b`]);
  });

  it("a restarted node (stopped, not revoked) gets its subnet back, also after its lease expired", async () => {
    const p = prefix();
    const o = node(p, "r");
    const first = await register(o);
    const subnet = first.local.subnets[0];
    await first.stop();
    const second = await register(o); // within the TTL: the key still names it
    expect(second.local.subnets[0]).toBe(subnet);
    expect(second.lease).not.toBe(first.lease);
    expect(await client.leaseTimeToLive(first.lease)).toBe(-1); // the old lease revoked once its keys moved
    await second.stop();
    await new Promise((r) => setTimeout(r, 2_600)); // past the TTL: all keys gone
    expect(await values(`${p}/`)).toEqual({});
    const third = await register(o);
    expect(third.local.subnets[0]).toBe(subnet);
    expect(readNodeState(o.stateDir)).toEqual({ name: "r", subnets: [subnet], lease: third.lease });
  });

  it("a second agent under a name registered on a live lease it does not know is refused (NodeNameHeldError), not given that node's subnet; it registers once that lease is gone", async () => {
    const p = prefix();
    const first = await register(node(p, "twin"));
    const other = node(p, "twin"); // another state dir: another agent under the same name
    const refused = await NodeLease.register(other).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(NodeNameHeldError);
    expect((refused as Error).message).toBe(`node name twin is registered on lease ${first.lease}, which is not this agent's: another agent runs under the same name (node names must be unique), or this node's previous run within its lease TTL`);
    expect(await values(`${p}/subnets/`)).toEqual({ [`${p}/subnets/${first.local.subnets[0]!.replace("/", "_")}`]: "twin" });
    await client.leaseRevoke(first.lease);
    const second = await register(other);
    expect(second.local.subnets).toHaveLength(1);
  });

  it("a node whose remembered subnet was taken meanwhile gets another", async () => {
    const p = prefix();
    const pools = [subnetPool("10.7.0.0/29", 30)];
    const o = node(p, "x", { pools });
    const first = await register(o);
    const subnet = first.local.subnets[0]!;
    await first.stop();
    await client.leaseRevoke(first.lease);
    await client.put(`${p}/subnets/${subnet.replace("/", "_")}`, "thief");
    const again = await register(o);
    expect(again.local.subnets[0]).not.toBe(subnet);
  });

  it("a lease that is not kept alive expires and its node key and subnet go", async () => {
    const p = prefix();
    const l = await register(node(p, "gone", { ttl: 1 }));
    await l.stop(); // no more keep-alive
    expect(Object.keys(await values(`${p}/`))).toHaveLength(2);
    const until = Date.now() + 3_000;
    while (Object.keys(await values(`${p}/`)).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await values(`${p}/`)).toEqual({});
  });

  it("a kept-alive lease outlives its TTL; a lease lost meanwhile is granted again and the node registered again", async () => {
    const p = prefix();
    const lines: string[] = [];
    const l = await register(node(p, "k", { ttl: 1, log: (s) => lines.push(s) }));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(Object.keys(await values(`${p}/nodes/`))).toEqual([`${p}/nodes/k`]);
    const lost = l.lease;
    await client.leaseRevoke(lost); // as if etcd had lost it
    const until = Date.now() + 3_000;
    while (l.lease === lost && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(l.lease).not.toBe(lost);
    expect(lines.join("\n")).toMatch(/has expired: registering node k again/);
    const nodes = await values(`${p}/nodes/`);
    expect(JSON.parse(nodes[`${p}/nodes/k`]!).subnets).toEqual(l.local.subnets);
  });

  it("leaveCluster revokes the lease: node record and subnet go at once; the state is forgotten", async () => {
    const p = prefix();
    const o = node(p, "leaver", { ttl: 30 });
    const l = await register(o);
    await l.stop();
    expect(Object.keys(await values(`${p}/`))).toHaveLength(2);
    const removed = await leaveCluster(client, p, o.stateDir, "leaver");
    expect(removed).toEqual([`lease ${l.lease}`]);
    expect(await values(`${p}/`)).toEqual({});
    expect(readNodeState(o.stateDir)).toBeUndefined();
  });
});
