// The cluster harness itself (test/helpers/cluster.ts), without agents: the underlay carries
// traffic between nodes on one segment and through the router between segments, etcd answers
// every node, and pods attached by bin/wasm-cni's `bridge` in each node talk across nodes over a
// VXLAN made here by hand with `ip`, as the overlay controller would; pods of the `routed` plugin
// reach each other through routes via the underlay made by hand. When this passes and a
// cluster test fails, the fault is in the agent or the controller, not in the topology.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countUnderlayUdp, createCluster, ETCD_HOST, pairs, ping, tcpExchange, vxlanCounters, type Cluster, type ClusterNode } from "../../helpers/cluster";

/** A node's VTEP MAC, made here as the agent would (locally administered). */
const vtepMac = (i: number): string => `0a:58:0a:f4:0${i}:00`;
const subnet = (i: number): string => `10.244.${i}.0/24`;

/** What the overlay controller would do on node i, by hand. */
function handOverlay(nodes: ClusterNode[], i: number): void {
  const n = nodes[i]!;
  const ipn = (...args: string[]): void => void execFileSync("ip", ["-n", n.ns.name, ...args]);
  ipn("link", "add", "vx0", "address", vtepMac(i), "type", "vxlan", "id", "1", "local", n.underlay, "dev", "eth0", "dstport", "8472", "nolearning");
  ipn("link", "set", "vx0", "mtu", "1450", "up");
  ipn("addr", "add", `10.244.${i}.0/32`, "dev", "vx0");
  nodes.forEach((peer, j) => {
    if (j === i) return;
    ipn("route", "add", subnet(j), "via", `10.244.${j}.0`, "dev", "vx0", "onlink");
    ipn("neigh", "add", `10.244.${j}.0`, "lladdr", vtepMac(j), "dev", "vx0", "nud", "permanent");
    execFileSync("bridge", ["-n", n.ns.name, "fdb", "append", vtepMac(j), "dev", "vx0", "dst", peer.underlay]);
  });
}

/** The conflist an agent would write: bridge for the overlay, routed for the routed network. */
function handConflist(n: ClusterNode, i: number, type: "bridge" | "routed"): void {
  mkdirSync(dirname(n.conflistPath), { recursive: true });
  const ipam = { type: "host-local", ranges: [[{ subnet: subnet(i) }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: n.dataDir };
  const plugin = type === "bridge" ? { type, bridge: "cni0", isGateway: true, mtu: 1450, ipam } : { type, mtu: 1500, ipam };
  writeFileSync(n.conflistPath, JSON.stringify({ cniVersion: "1.1.0", name: "cluster", plugins: [plugin] }));
}

describe("cluster harness: routed pods on one underlay subnet with hand-made routes", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await createCluster({ network: "routed", segments: [0, 0] });
  }, 60_000);
  afterAll(async () => c?.destroy());

  it("pods of the routed plugin on two nodes reach each other through routes via the underlay addresses", () => {
    c.nodes.forEach((n, i) => {
      handConflist(n, i, "routed");
      c.nodes.forEach((peer, j) => {
        if (j !== i) execFileSync("ip", ["-n", n.ns.name, "route", "add", subnet(j), "via", peer.underlay, "dev", "eth0"]);
      });
    });
    const pods = c.nodes.flatMap((n) => [c.addPod(n, `${n.name}-a`), c.addPod(n, `${n.name}-b`)]);
    for (const [a, b] of pairs(pods)) {
      expect(ping(a.ns, b.ip), `${a.name} -> ${b.name} ${b.ip}`).toBe(true);
      expect(tcpExchange(a.ns, b.ip, `hello from ${a.name}\n`), `${a.name} -> ${b.name} tcp`).toBe(`hello from ${a.name}\n`);
    }
    for (const p of [...c.pods]) c.delPod(p);
  });
});

describe("cluster harness: two underlay segments joined by a router, etcd, pods on a hand-made VXLAN", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await createCluster({ network: "overlay", segments: [0, 0, 1] });
  }, 60_000);
  afterAll(async () => c?.destroy());

  it("every node reaches every other node's underlay address, also across the router", () => {
    for (const [a, b] of pairs(c.nodes)) expect(ping(a.ns, b.underlay), `${a.name} -> ${b.name} ${b.underlay}`).toBe(true);
    expect(c.nodes[2]!.underlay).toBe("10.0.1.3");
    expect(c.topo.router).toBeDefined();
  });

  it("etcd on the underlay bridge answers every node", () => {
    for (const n of c.nodes) {
      const out = execFileSync("ip", ["netns", "exec", n.ns.name, "busybox", "nc", "-w", "3", ETCD_HOST, "2379"], {
        input: "GET /health HTTP/1.0\r\n\r\n", encoding: "utf8", timeout: 6000,
      });
      expect(out, n.name).toMatch(/"health":\s*"true"/);
    }
  });

  it("pods on different nodes reach each other by ping and TCP, and the traffic crosses as VXLAN on UDP 8472", () => {
    c.nodes.forEach((n, i) => {
      handConflist(n, i, "bridge");
      handOverlay(c.nodes, i);
    });
    const pods = c.nodes.flatMap((n) => [c.addPod(n, `${n.name}-a`), c.addPod(n, `${n.name}-b`)]);
    const udp = countUnderlayUdp(c.topo, 8472);
    const before = c.nodes.map((n) => vxlanCounters(n.ns).tx);
    for (const [a, b] of pairs(pods)) {
      expect(ping(a.ns, b.ip), `${a.name} -> ${b.name} ${b.ip}`).toBe(true);
      expect(tcpExchange(a.ns, b.ip, `hello from ${a.name}\n`), `${a.name} -> ${b.name} tcp`).toBe(`hello from ${a.name}\n`);
    }
    c.nodes.forEach((n, i) => expect(vxlanCounters(n.ns).tx, n.name).toBeGreaterThan(before[i]!));
    expect(udp()).toBeGreaterThan(0);
    for (const p of [...c.pods]) c.delPod(p);
  });
});
