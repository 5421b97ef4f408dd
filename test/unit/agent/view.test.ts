import { describe, expect, it } from "vitest";
import { buildView } from "../../../host/agent/view";
import type { ClusterNode } from "../../../host/caps/context";

const node = (name: string, subnets: string[], underlay = "192.0.2.1"): ClusterNode => ({ name, subnets, underlay, vtepMac: "02:00:00:00:00:01" });

describe("buildView", () => {
  const base = { clusterCidrs: ["10.244.0.0/16", "fd00:10::/48"], underlayLink: "eth0", underlayMtu: 1500, options: { a: 1 } };
  const local = node("me", ["10.244.1.0/24", "fd00:10:0:1::/64"]);

  it("keeps sane peers, leaves out this node, and carries link, mtu, CIDRs and options", () => {
    const { view, leftOut } = buildView({ ...base, local, nodes: [local, node("b", ["10.244.2.0/24", "fd00:10:0:2::/64"])] });
    expect(leftOut).toEqual([]);
    expect(view).toEqual({ ...base, local, peers: [node("b", ["10.244.2.0/24", "fd00:10:0:2::/64"])], options: '{"a":1}' });
  });

  it.each([
    [node("x", ["10.244.1.0/24"]), "node x: subnet 10.244.1.0/24 is not a free subnet of 10.244.0.0/16, fd00:10::/48"],
    [node("x", ["10.244.0.0/20"]), "node x: subnet 10.244.0.0/20 is not a free subnet of 10.244.0.0/16, fd00:10::/48"],
    [node("x", ["10.9.0.0/24"]), "node x: subnet 10.9.0.0/24 is not a free subnet of 10.244.0.0/16, fd00:10::/48"],
    [node("x", ["10.244.9.1/24"]), "node x: subnet 10.244.9.1/24 is not a free subnet of 10.244.0.0/16, fd00:10::/48"],
    [node("x", ["nonsense"]), "node x: subnet nonsense is not a free subnet of 10.244.0.0/16, fd00:10::/48"],
    [node("x", ["10.244.9.0/24"], "eth0"), 'node x: underlay "eth0" is not an IP address'],
  ])("leaves out %j: %s", (peer, why) => {
    const { view, leftOut } = buildView({ ...base, local, nodes: [peer] });
    expect(view.peers).toEqual([]);
    expect(leftOut).toEqual([why]);
  });

  it("of two peers claiming one subnet only the first (by name) is kept", () => {
    const { view, leftOut } = buildView({ ...base, local, nodes: [node("a", ["10.244.5.0/24"]), node("b", ["10.244.5.0/24"])] });
    expect(view.peers.map((p) => p.name)).toEqual(["a"]);
    expect(leftOut).toHaveLength(1);
  });
});
