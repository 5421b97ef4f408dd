import { describe, expect, it } from "vitest";
import { firstFree, inPool, nthSubnet, startIndex, subnetFromKeyName, subnetKeyName, subnetPool, subnetPoolProblem } from "../../../host/cluster/subnets";

describe("subnets", () => {
  it("nthSubnet counts /24s of an IPv4 /16 and /64s of an IPv6 /48", () => {
    const v4 = subnetPool("10.244.0.0/16", 24);
    expect(v4.count).toBe(256n);
    expect([0n, 1n, 255n].map((i) => nthSubnet(v4, i))).toEqual(["10.244.0.0/24", "10.244.1.0/24", "10.244.255.0/24"]);
    const v6 = subnetPool("fd00:10::/48", 64);
    expect(v6.count).toBe(65536n);
    expect([0n, 1n, 0xffffn].map((i) => nthSubnet(v6, i))).toEqual(["fd00:10::/64", "fd00:10:0:1::/64", "fd00:10:0:ffff::/64"]);
    expect(subnetPool("fd00::/16", 80).count).toBe(1n << 64n);
  });

  it("subnetPoolProblem names what is wrong with a cluster CIDR and subnet length", () => {
    expect(subnetPoolProblem("10.244.0.0/16", 24)).toBeUndefined();
    expect(subnetPoolProblem("10.244.0.0/16", 8)).toBe("subnet length 8 must be between 16 and 32 for 10.244.0.0/16");
    expect(subnetPoolProblem("10.244.0.0/16", 33)).toBe("subnet length 33 must be between 16 and 32 for 10.244.0.0/16");
    expect(subnetPoolProblem("10.244.1.0/16", 24)).toBe("10.244.1.0/16 has host bits set (the network is 10.244.0.0/16)");
    expect(subnetPoolProblem("10.244.0.0", 24)).toBe('"10.244.0.0" is not a CIDR');
  });

  it("inPool accepts exactly the pool's subnets as nthSubnet writes them", () => {
    const p = subnetPool("10.244.0.0/16", 24);
    expect(inPool(p, "10.244.7.0/24")).toBe(true);
    expect(inPool(p, "10.244.7.1/24")).toBe(false);
    expect(inPool(p, "10.244.7.0/25")).toBe(false);
    expect(inPool(p, "10.245.0.0/24")).toBe(false);
    expect(inPool(p, "fd00::/24")).toBe(false);
    expect(inPool(p, "junk")).toBe(false);
    expect(inPool(subnetPool("fd00:10::/48", 64), "fd00:10:0:7::/64")).toBe(true);
  });

  it("firstFree skips taken subnets from the start, wraps around, and answers undefined when all are taken", () => {
    const p = subnetPool("10.0.0.0/30", 31); // 2 subnets
    expect(firstFree(p, new Set(), 1n)).toBe("10.0.0.2/31");
    expect(firstFree(p, new Set(["10.0.0.2/31"]), 1n)).toBe("10.0.0.0/31");
    expect(firstFree(p, new Set(["10.0.0.0/31", "10.0.0.2/31"]), 0n)).toBeUndefined();
    // A huge pool costs only as many steps as subnets are taken.
    const big = subnetPool("fd00::/16", 80);
    expect(firstFree(big, new Set([nthSubnet(big, 5n)]), 5n)).toBe(nthSubnet(big, 6n));
  });

  it("the start index is stable per node name and inside the pool; key names swap / for _", () => {
    const p = subnetPool("10.244.0.0/16", 24);
    expect(startIndex(p, "node1")).toBe(startIndex(p, "node1"));
    expect(startIndex(p, "node1")).not.toBe(startIndex(p, "node2"));
    expect(startIndex(p, "node1") < p.count).toBe(true);
    expect(subnetKeyName("10.244.3.0/24")).toBe("10.244.3.0_24");
    expect(subnetFromKeyName("fd00:10:0:3::_64")).toBe("fd00:10:0:3::/64");
  });
});
