import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readPolicy } from "../../../host/runtime/policy-file";
import { DEFAULT_LIMITS, grantFor } from "../../../host/runtime/policy";

function policy(plugins: unknown): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), "wasm-cni-policy-")), "policy.json");
  writeFileSync(path, JSON.stringify({ plugins }));
  return { WASM_CNI_POLICY: path };
}

describe("policy file limits", () => {
  it("a grant that states no limits gets the defaults, as the built-in grants have", () => {
    expect(readPolicy(policy({ p: { interfaces: [] } })).p).toMatchObject(DEFAULT_LIMITS);
    expect(grantFor("bridge")).toMatchObject({ memoryPages: 256, maxStringBytes: 1_048_576, maxHostCalls: 10_000 });
  });

  it("takes memoryPages, maxStringBytes and maxHostCalls per plugin", () => {
    const grants = readPolicy(policy({ p: { interfaces: [], memoryPages: 1024, maxStringBytes: 4096, maxHostCalls: 50 } }));
    expect(grants.p).toMatchObject({ memoryPages: 1024, maxStringBytes: 4096, maxHostCalls: 50 });
  });

  it("takes the store quota per plugin (storeBytesPerCall, storeKeysPerBucket, storeValueBytes)", () => {
    const grants = readPolicy(policy({ p: { interfaces: ["store"], storeBytesPerCall: 100, storeKeysPerBucket: 0, storeValueBytes: 64 } }));
    expect(grants.p).toMatchObject({ storeBytesPerCall: 100, storeKeysPerBucket: 0, storeValueBytes: 64 });
    expect(grantFor("host-local")).toMatchObject({ storeBytesPerCall: 1_048_576, storeKeysPerBucket: 131_072, storeValueBytes: 4_096 });
  });

  it.each([
    ["storeBytesPerCall", -1],
    ["storeKeysPerBucket", 1.5],
    ["storeValueBytes", 2 ** 24 + 1],
    ["memoryPages", 0],
    ["memoryPages", 65_537],
    ["maxStringBytes", 0.5],
    ["maxHostCalls", -1],
  ])("refuses %s %s with code 7 naming the field", (key, value) => {
    expect(() => readPolicy(policy({ p: { interfaces: [], [key]: value } }))).toThrow(
      expect.objectContaining({ code: 7, message: expect.stringContaining(`plugins.p.${key}`) }),
    );
  });
});

describe("policy file linkKinds and sysctlKeys", () => {
  it("left out, a plugin may create no link and use no sysctl (deny by default)", () => {
    expect(readPolicy(policy({ p: { interfaces: ["link"] } })).p).toMatchObject({ linkKinds: [], sysctlKeys: [] });
  });

  it("takes the kinds of WIT link-kind and key patterns", () => {
    const g = readPolicy(policy({ p: { interfaces: [], linkKinds: ["veth", "macvlan"], sysctlKeys: ["net.ipv4.ip_forward", "net.ipv6.conf.*.accept_ra"] } })).p;
    expect(g).toMatchObject({ linkKinds: ["veth", "macvlan"], sysctlKeys: ["net.ipv4.ip_forward", "net.ipv6.conf.*.accept_ra"] });
  });

  it.each([
    ["linkKinds", ["geneve"]],
    ["sysctlKeys", ["kernel.panic"]],
    ["sysctlKeys", ["net.ipv4..x"]],
    ["sysctlKeys", ["net.ipv4.conf.eth*.forwarding"]],
  ])("refuses %s %j with code 7 naming the field", (key, value) => {
    expect(() => readPolicy(policy({ p: { interfaces: [], [key]: value } }))).toThrow(
      expect.objectContaining({ code: 7, message: expect.stringContaining(`plugins.p.${key}`) }),
    );
  });
});

describe("policy file parentTakeover, hostRoutes and hostRouteTables", () => {
  it("left out, a plugin takes no parent over and routes in the host netns only inside its config's ranges, in main", () => {
    const g = readPolicy(policy({ p: { interfaces: ["route"] } })).p!;
    expect([g.parentTakeover, g.hostRoutes, g.hostRouteTables]).toEqual([undefined, undefined, undefined]);
  });

  it("takes a flag, CIDRs and table ids", () => {
    const g = readPolicy(policy({ p: { interfaces: [], parentTakeover: true, hostRoutes: ["10.22.0.0/16", "fd00:22::/64"], hostRouteTables: [100] } })).p;
    expect(g).toMatchObject({ parentTakeover: true, hostRoutes: ["10.22.0.0/16", "fd00:22::/64"], hostRouteTables: [100] });
  });

  it.each([
    ["parentTakeover", "yes"],
    ["hostRoutes", ["10.22.0.0"]],
    ["hostRoutes", ["eth0"]],
    ["hostRouteTables", [0]],
    ["hostRouteTables", ["main"]],
  ])("refuses %s %j with code 7 naming the field", (key, value) => {
    expect(() => readPolicy(policy({ p: { interfaces: [], [key]: value } }))).toThrow(
      expect.objectContaining({ code: 7, message: expect.stringContaining(`plugins.p.${key}`) }),
    );
  });
});
