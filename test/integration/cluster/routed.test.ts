// The routed network (Calico's model without a BGP daemon) end to end: three nodes on one
// underlay subnet, each with its own `wasm-cni agent` and the routed-controller; two pods per
// node attached through bin/wasm-cni with the agent's conflist (the `routed` plugin): every pod
// a /32 behind a veth with proxy ARP, a host route per pod, a route per peer node's subnet via
// its underlay address. No encapsulation: there is no vxlan device anywhere.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allToAll, createCluster, inCidr, requireEtcd, routes, vxlanDevices, type Cluster, type Pod } from "../../helpers/cluster";

requireEtcd(); // fails the file loudly: .ci/run installs etcd-server

describe("routed: three nodes, two pods each, agents and the routed-controller", () => {
  let c: Cluster;
  let pods: Pod[];
  beforeAll(async () => {
    c = await createCluster({ network: "routed", segments: [0, 0, 0], leaseTtl: 5 });
    await c.startAgents();
    pods = c.nodes.flatMap((n) => [c.addPod(n, `${n.name}-a`), c.addPod(n, `${n.name}-b`)]);
  }, 90_000);
  afterAll(async () => c?.destroy());

  it("each agent takes its own pod subnet and writes a `routed` conflist with the underlay MTU", () => {
    const subnets = c.nodes.map((n) => n.podSubnet());
    expect(new Set(subnets).size, subnets.join(" ")).toBe(3);
    for (const n of c.nodes) {
      expect(inCidr(n.podSubnet(), "10.244.0.0/16"), n.podSubnet()).toBe(true);
      const plugins = n.conflist()!["plugins"] as Record<string, unknown>[];
      expect(plugins[0], n.name).toMatchObject({ type: "routed", mtu: 1500 });
    }
  });

  it("every pod has a /32 and a default route via 169.254.1.1 onlink; its node a host route to it and proxy ARP on its veth", () => {
    for (const p of pods) {
      const addrs = JSON.parse(execFileSync("ip", ["-n", p.ns.name, "-j", "-4", "addr", "show", "dev", "eth0"], { encoding: "utf8" })) as { addr_info: { local: string; prefixlen: number }[] }[];
      expect(addrs[0]?.addr_info, p.name).toContainEqual(expect.objectContaining({ local: p.ip, prefixlen: 32 }));
      expect(routes(p.ns), p.name).toContainEqual(expect.objectContaining({ dst: "default", gateway: "169.254.1.1", flags: expect.arrayContaining(["onlink"]) }));
      const hostRoute = routes(p.node.ns).find((r) => r.dst === p.ip);
      expect(hostRoute, `${p.node.name}: host route to ${p.name} ${p.ip}`).toMatchObject({ scope: "link" });
      const proxyArp = execFileSync("ip", ["netns", "exec", p.node.ns.name, "sysctl", "-n", `net.ipv4.conf.${hostRoute!.dev}.proxy_arp`], { encoding: "utf8" }).trim();
      expect(proxyArp, `${p.node.name}: proxy_arp on ${hostRoute!.dev}`).toBe("1");
    }
  });

  it("every node routes each peer's pod subnet via the peer's underlay address, with no vxlan device", () => {
    for (const n of c.nodes) {
      expect(vxlanDevices(n.ns), n.name).toEqual([]);
      const rt = routes(n.ns);
      for (const peer of c.nodes.filter((p) => p !== n)) {
        expect(rt, `${n.name}: route to ${peer.name}'s ${peer.podSubnet()}`).toContainEqual(expect.objectContaining({ dst: peer.podSubnet(), gateway: peer.underlay, dev: "eth0" }));
      }
    }
  });

  it("every pod reaches every other pod by ping and TCP", () => {
    expect(allToAll(pods)).toEqual([]);
  });
});
