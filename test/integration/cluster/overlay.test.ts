// The overlay network (Flannel's vxlan backend) end to end: three nodes, each a namespace with
// its own `wasm-cni agent` (etcd on the underlay bridge, the overlay-controller reconciling the
// node), two pods per node attached through bin/wasm-cni with the conflist the agent wrote.
// node3 is on another underlay subnet, behind a router namespace.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allToAll, countUnderlayUdp, createCluster, fdb, inCidr, neighbours, routes, vxlanCounters, vxlanDevices,
  requireEtcd, type Cluster, type Pod,
} from "../../helpers/cluster";

requireEtcd(); // fails the file loudly: .ci/run installs etcd-server

describe("overlay: three nodes (one behind a router), two pods each, agents and the overlay-controller", () => {
  let c: Cluster;
  let pods: Pod[];
  beforeAll(async () => {
    c = await createCluster({ network: "overlay", segments: [0, 0, 1], leaseTtl: 5 });
    await c.startAgents();
    pods = c.nodes.flatMap((n) => [c.addPod(n, `${n.name}-a`), c.addPod(n, `${n.name}-b`)]);
  }, 90_000);
  afterAll(async () => c?.destroy());

  it("agents started together each take a pod subnet of their own from the cluster CIDR and write a bridge conflist with MTU underlay - 50", () => {
    const subnets = c.nodes.map((n) => n.podSubnet());
    expect(new Set(subnets).size, subnets.join(" ")).toBe(3);
    for (const n of c.nodes) {
      expect(inCidr(n.podSubnet(), "10.244.0.0/16"), n.podSubnet()).toBe(true);
      expect(n.podSubnet()).toMatch(/\/24$/);
      const plugins = n.conflist()!["plugins"] as Record<string, unknown>[];
      expect(plugins[0], n.name).toMatchObject({ type: "bridge", bridge: "cni0", isGateway: true, mtu: 1450 });
    }
    for (const p of pods) expect(inCidr(`${p.ip}/32`, p.node.podSubnet()), `${p.name} ${p.ip}`).toBe(true);
  });

  it("every node has one vxlan device (VTEP on its underlay address, learning off) and per peer a route, a neighbour and an FDB entry", () => {
    const vteps = new Map(c.nodes.map((n) => [n.name, vxlanDevices(n.ns)]));
    for (const n of c.nodes) {
      const [vx, ...more] = vteps.get(n.name)!;
      expect(more, n.name).toEqual([]);
      expect(vx, n.name).toMatchObject({ local: n.underlay, learning: false, mtu: 1450 });
      const rt = routes(n.ns);
      const ne = neighbours(n.ns, vx!.ifname);
      const fd = fdb(n.ns, vx!.ifname);
      for (const peer of c.nodes.filter((p) => p !== n)) {
        const peerMac = vteps.get(peer.name)![0]!.address;
        const route = rt.find((r) => r.dst === peer.podSubnet());
        expect(route, `${n.name}: route to ${peer.name}'s ${peer.podSubnet()} in ${JSON.stringify(rt)}`).toMatchObject({ dev: vx!.ifname, flags: expect.arrayContaining(["onlink"]) });
        expect(inCidr(`${route!.gateway}/32`, peer.podSubnet()), `${n.name}: gateway ${route!.gateway} is ${peer.name}'s VTEP address`).toBe(true);
        expect(ne, `${n.name}: neighbour for ${peer.name}`).toContainEqual(expect.objectContaining({ dst: route!.gateway, lladdr: peerMac }));
        expect(fd, `${n.name}: fdb for ${peer.name}`).toContainEqual(expect.objectContaining({ mac: peerMac, dst: peer.underlay }));
      }
    }
  });

  it("every pod reaches every other pod by ping and TCP, also to and from node3 behind the router", () => {
    expect(allToAll(pods)).toEqual([]);
  });

  it("traffic between nodes crosses the underlay as VXLAN: vxlan counters grow and the underlay forwards UDP 8472", () => {
    const udp = countUnderlayUdp(c.topo, 8472);
    const before = c.nodes.map((n) => vxlanCounters(n.ns));
    const across = pods.filter((p) => p.node !== pods[0]!.node);
    expect(allToAll([pods[0]!, ...across], { tcp: false })).toEqual([]);
    c.nodes.forEach((n, i) => {
      const now = vxlanCounters(n.ns);
      expect(now.tx, `${n.name} vxlan tx`).toBeGreaterThan(before[i]!.tx);
      expect(now.rx, `${n.name} vxlan rx`).toBeGreaterThan(before[i]!.rx);
    });
    expect(udp(), "UDP 8472 datagrams forwarded by the underlay bridge and the router").toBeGreaterThanOrEqual(2 * across.length);
  });

  it("a pod leaves nothing of its own behind on DEL (veth, address reservation), and a new pod on that node gets going again", () => {
    const p = pods.at(-1)!;
    const veths = (): string[] => (JSON.parse(execFileSync("ip", ["-n", p.node.ns.name, "-j", "link", "show", "type", "veth"], { encoding: "utf8" })) as { ifname: string }[]).map((l) => l.ifname);
    const reservation = join(p.node.dataDir, "cluster", p.ip);
    expect(existsSync(reservation), reservation).toBe(true);
    const before = veths();
    c.delPod(p);
    expect(veths()).toHaveLength(before.length - 1);
    expect(existsSync(reservation), reservation).toBe(false);
    const again = c.addPod(p.node, `${p.node.name}-c`);
    expect(allToAll([pods[0]!, again])).toEqual([]);
  });
});

describe("overlay with directRouting: peers on the node's underlay subnet are routed without encapsulation", () => {
  let c: Cluster;
  let pods: Pod[];
  beforeAll(async () => {
    c = await createCluster({
      network: "overlay", segments: [0, 0, 1], leaseTtl: 5,
      agentConfig: () => ({ controller: { options: { directRouting: true } } }),
    });
    await c.startAgents();
    pods = c.nodes.map((n) => c.addPod(n, `${n.name}-a`));
  }, 90_000);
  afterAll(async () => c?.destroy());

  it("node1 routes node2's subnet via node2's underlay address on eth0, and node3's (behind the router) through the vxlan device", () => {
    const [n1, n2, n3] = c.nodes as [Cluster["nodes"][0], Cluster["nodes"][0], Cluster["nodes"][0]];
    const vx = vxlanDevices(n1.ns)[0]!.ifname;
    const rt = routes(n1.ns);
    expect(rt, "direct route to node2").toContainEqual(expect.objectContaining({ dst: n2.podSubnet(), gateway: n2.underlay, dev: "eth0" }));
    expect(rt, "vxlan route to node3").toContainEqual(expect.objectContaining({ dst: n3.podSubnet(), dev: vx }));
  });

  it("every pod reaches every other; between node1 and node2 nothing goes through the vxlan device, to node3 it does", () => {
    const [p1, p2, p3] = pods as [Pod, Pod, Pod];
    const tx = (): number => vxlanCounters(p1.node.ns).tx;
    let before = tx();
    expect(allToAll([p1, p2])).toEqual([]);
    expect(tx(), "node1's vxlan tx after node1 <-> node2 traffic").toBe(before);
    before = tx();
    expect(allToAll([p1, p3])).toEqual([]);
    expect(tx(), "node1's vxlan tx after node1 <-> node3 traffic").toBeGreaterThan(before);
    expect(allToAll(pods)).toEqual([]);
  });
});
