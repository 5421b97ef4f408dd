// The overlay under failures: an agent restarted while pods talk across nodes, a controller that
// traps or hits a limit, a node that goes away for good (agent killed, lease expired) and comes
// back. Three nodes on one underlay subnet, one pod each, lease TTL 3 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allToAll, createCluster, fdb, neighbours, nodeSnapshot, pingLoop, routes, sleep, vxlanDevices, waitFor,
  type Cluster, type ClusterNode, type Pod,
  requireEtcd,
} from "../../helpers/cluster";
import { writePolicy } from "../../helpers/hostile";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";

requireEtcd(); // fails the file loudly: .ci/run installs etcd-server

const TTL = 3;
/** What faulty-controller needs to get as far as its fault: a vxlan device in the host netns. */
const FAULTY_GRANT = { interfaces: ["netns", "link", "log"], hostNetns: true, linkKinds: ["vxlan"] };

describe("overlay under failures: restart, a faulty controller, a node that leaves", () => {
  let c: Cluster;
  let pods: Pod[];
  let fixtureDir: string;
  beforeAll(async () => {
    // Side by side, and the cluster kept for afterAll even when the fixture's build fails.
    const [built, made] = await Promise.allSettled([
      buildPluginsUnderTest(["faulty-controller"], "test/fixtures/plugins"),
      createCluster({ network: "overlay", segments: [0, 0, 0], leaseTtl: TTL }),
    ]);
    if (made.status === "fulfilled") c = made.value;
    if (built.status === "rejected") throw built.reason;
    if (made.status === "rejected") throw made.reason;
    fixtureDir = built.value;
    await c.startAgents();
    pods = c.nodes.map((n) => c.addPod(n, `${n.name}-a`));
  }, 90_000);
  afterAll(async () => c?.destroy());

  const n1 = (): ClusterNode => c.nodes[0]!;
  const n2 = (): ClusterNode => c.nodes[1]!;
  const n3 = (): ClusterNode => c.nodes[2]!;

  it("an agent restarted mid-test reconverges with its subnet, and pods across nodes lose nothing longer than the restart", async () => {
    const loops = [pingLoop(pods[0]!.ns, pods[1]!.ip), pingLoop(pods[1]!.ns, pods[2]!.ip)];
    await sleep(500);
    const subnet = n2().podSubnet();
    const t0 = Date.now();
    await n2().stopAgent(); // SIGTERM: the lease stays, the node's kernel state stays
    n2().startAgent();
    await n2().waitConverged();
    const restartMs = Date.now() - t0;
    await sleep(500);
    for (const loop of loops) {
      const r = await loop.stop();
      expect(r.received, r.output).toBeGreaterThan(5);
      expect(r.longestLossMs, `longest outage vs a restart of ${restartMs} ms\n${r.output}`).toBeLessThanOrEqual(restartMs);
    }
    expect(n2().podSubnet()).toBe(subnet);
    for (const n of c.nodes) await n.waitConverged();
    expect(allToAll(pods)).toEqual([]);
  });

  const faults = [
    ["trap", "traps (integer divide by zero)", /trapped in reconcile.*divide by zero/i],
    ["panic", "panics (an index out of range)", /panicked in reconcile: Index out of range/],
    ["memory", "runs out of memory", /memory/i],
  ] as const;
  for (const [fail, what, reason] of faults) {
    it(`a controller that ${what} half-way leaves the node as it was, and the agent reports it in status.json and on stderr`, async () => {
      const before = nodeSnapshot(n1().ns);
      await n1().stopAgent();
      const logFrom = n1().stderr().length;
      try {
        n1().startAgent(
          { controller: { plugin: "faulty-controller", options: { fail } } },
          { WASM_CNI_PLUGIN_DIR: fixtureDir, WASM_CNI_POLICY: writePolicy({ "faulty-controller": FAULTY_GRANT }) },
        );
        const status = await waitFor(() => `a failed reconcile in ${n1().name}'s status.json: ${JSON.stringify(n1().status())}\n${n1().stderr().slice(logFrom)}`,
          () => { const s = n1().status(); return s && !s.ok && s.attempt >= 1 ? s : undefined; });
        expect(status.error, JSON.stringify(status)).toMatch(reason);
        expect(n1().stderr().slice(logFrom)).toMatch(reason);
        // It got as far as a change (its vxlan device), which the host rolled back.
        const line = n1().audit().filter((l) => l.plugin === "faulty-controller").at(-1);
        expect(line?.calls, JSON.stringify(line)).toContainEqual(expect.objectContaining({ fn: "link.create", outcome: "ok" }));
        expect(nodeSnapshot(n1().ns)).toBe(before);
        expect(allToAll(pods, { tcp: false })).toEqual([]);
      } finally {
        await n1().stopAgent();
        n1().startAgent();
        await n1().waitConverged();
      }
    });
  }

  it("a node that leaves (agent killed) disappears from the others' routes, neighbours and FDB within its lease TTL, and comes back with its subnet", async () => {
    const gone = n3();
    const subnet = gone.podSubnet();
    const mac = vxlanDevices(gone.ns)[0]!.address;
    await gone.killAgent();
    const t0 = Date.now();
    const stays = [n1(), n2()];
    await Promise.all(stays.map((n) => n.waitConverged(stays.filter((o) => o !== n).map((o) => o.name), TTL * 1000 + 5000)));
    const elapsed = Date.now() - t0;
    // The lease expires at most TTL after the last keep-alive; the watch and a reconcile follow.
    expect(elapsed, `removed after ${elapsed} ms`).toBeLessThanOrEqual(TTL * 1000 + 1500);
    for (const n of stays) {
      const vx = vxlanDevices(n.ns)[0]!.ifname;
      expect(routes(n.ns).filter((r) => r.dst === subnet), n.name).toEqual([]);
      expect(neighbours(n.ns, vx).filter((e) => e.lladdr === mac), n.name).toEqual([]);
      expect(fdb(n.ns, vx).filter((e) => e.mac === mac), n.name).toEqual([]);
    }
    expect(allToAll([pods[0]!, pods[1]!])).toEqual([]);

    gone.startAgent();
    for (const n of c.nodes) await n.waitConverged();
    expect(gone.podSubnet()).toBe(subnet);
    expect(allToAll(pods)).toEqual([]);
  });

  it("a node that leaves for good (agent stopped, then --leave) is removed from the others at once, well within its lease TTL", async () => {
    const gone = n3();
    const subnet = gone.podSubnet();
    await gone.stopAgent();
    const t0 = Date.now();
    expect(gone.leave()).toMatch(/left the cluster/);
    const stays = [n1(), n2()];
    await Promise.all(stays.map((n) => n.waitConverged(stays.filter((o) => o !== n).map((o) => o.name), TTL * 1000)));
    const elapsed = Date.now() - t0;
    expect(elapsed, `removed after ${elapsed} ms`).toBeLessThan(TTL * 1000);
    for (const n of stays) expect(routes(n.ns).filter((r) => r.dst === subnet), n.name).toEqual([]);
    expect(gone.conflist(), "--leave removes the node's conflist").toBeUndefined();
  });
});
