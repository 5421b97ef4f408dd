// A controller's addresses and routes, as the cluster view proves them (host/caps/cluster-scope.ts):
// dual stack, VTEP gateways, and the cases that must stay refused whatever the peers are.
import { describe, expect, it } from "vitest";
import { clusterAddrProblem, clusterRouteDeleteProblem, clusterRouteProblem } from "../../../host/caps/cluster-scope";
import type { ClusterView } from "../../../host/caps/context";

const VIEW: ClusterView = {
  local: { name: "n1", subnets: ["10.244.1.0/24", "fd00:244:1::/80"], underlay: "192.168.1.1", vtepMac: "0a:00:00:00:00:01" },
  peers: [
    { name: "n2", subnets: ["10.244.2.0/24", "fd00:244:2::/80"], underlay: "192.168.1.2", vtepMac: "0a:00:00:00:00:02" },
    { name: "n3", subnets: ["10.244.3.0/24"], underlay: "192.168.2.3", vtepMac: "0a:00:00:00:00:03" },
  ],
  clusterCidrs: ["10.244.0.0/16", "fd00:244::/32"],
  underlayLink: "eth0",
  underlayMtu: 1500,
  options: "{}",
};

describe("controller addresses", () => {
  it.each(["10.244.1.0/32", "10.244.1.1/24", "10.244.1.128/25", "fd00:244:1::/128"])("%s, inside the node's subnets, is allowed", (cidr) => {
    expect(clusterAddrProblem(VIEW, cidr)).toBeNull();
  });

  it.each(["10.244.1.1/16", "10.244.2.0/32", "192.168.1.1/24", "fd00:244:1::1/64"])("%s is refused, naming the node's subnets", (cidr) => {
    expect(clusterAddrProblem(VIEW, cidr)).toBe("only addresses whose prefix lies inside the node's subnets (10.244.1.0/24, fd00:244:1::/80)");
  });
});

describe("controller routes", () => {
  it.each([
    [{ dst: "10.244.2.0/24", gw: "192.168.1.2" }],
    [{ dst: "10.244.2.0/24", gw: "10.244.2.0" }],
    [{ dst: "10.244.2.128/25", gw: "192.168.1.2", table: 254 }],
    [{ dst: "fd00:244:2::/80", gw: "fd00:244:2::" }],
    [{ dst: "10.244.3.0/24", gw: "192.168.2.3" }],
  ])("%j, to a peer's subnet via that peer, is allowed", (r) => {
    expect(clusterRouteProblem(VIEW, r)).toBeNull();
  });

  it.each([
    [{ dst: "10.244.2.0/24", gw: "192.168.1.3" }, "the gateway of a route to n2's subnet must be n2's underlay address 192.168.1.2 or an address inside its subnets (10.244.2.0/24, fd00:244:2::/80)"],
    [{ dst: "10.244.2.0/24", gw: "10.244.3.1" }, "the gateway of a route to n2's subnet must be"],
    [{ dst: "10.244.2.0/24" }, "a route to n2's subnet needs a gateway: n2's underlay address"],
    [{ dst: "10.244.0.0/16", gw: "192.168.1.2" }, "its destination is inside no peer's subnet (10.244.2.0/24, fd00:244:2::/80, 10.244.3.0/24)"],
    [{ dst: "0.0.0.0/0", gw: "192.168.1.2" }, "its destination is inside no peer's subnet"],
    [{ dst: "10.244.1.0/25", gw: "192.168.1.2" }, "it is inside the node's own subnet 10.244.1.0/24, not a peer's"],
    [{ dst: "10.244.2.0/24", gw: "192.168.1.2", table: 100 }, "in table 100: only the main table"],
  ])("%j is refused", (r, why) => {
    expect(clusterRouteProblem(VIEW, r)).toContain(why);
  });

  it("a peer claiming the node's own subnet does not make a route to it allowed", () => {
    const view = { ...VIEW, peers: [{ ...VIEW.peers[0]!, subnets: ["10.244.0.0/16"] }] };
    expect(clusterRouteProblem(view, { dst: "10.244.1.0/24", gw: "192.168.1.2" })).toBe("it overlaps the node's own subnet 10.244.1.0/24");
  });

  it("deletes: inside the cluster CIDRs, never overlapping the node's own subnets, main table only", () => {
    expect(clusterRouteDeleteProblem(VIEW, { dst: "10.244.9.0/24" })).toBeNull();
    expect(clusterRouteDeleteProblem(VIEW, { dst: "fd00:244:9::/80" })).toBeNull();
    expect(clusterRouteDeleteProblem(VIEW, { dst: "10.244.1.0/24" })).toBe("it overlaps the node's own subnet 10.244.1.0/24");
    expect(clusterRouteDeleteProblem(VIEW, { dst: "10.244.0.0/16" })).toBe("it overlaps the node's own subnet 10.244.1.0/24");
    expect(clusterRouteDeleteProblem(VIEW, { dst: "0.0.0.0/0" })).toContain("only routes inside the cluster CIDRs (10.244.0.0/16, fd00:244::/32)");
    expect(clusterRouteDeleteProblem(VIEW, { dst: "10.244.9.0/24", table: 255 })).toBe("in table 255: only the main table");
  });
});
