/**
 * Every supported version, as bridge_test.go loops over AllSpecVersions: one dual-stack result
 * printed at each version (exact JSON, key order included, as libcni's converters write it),
 * results that cannot go down, and a prevResult of each version lifted to the current one.
 */
import { describe, expect, test } from "vitest";
import { convertPluginResult, convertResult, prevResultToCurrent, type CurrentResult } from "../../../host/cni/convert";
import { SUPPORTED_VERSIONS, type SupportedVersion } from "../../../host/cni/version";

const dns = { nameservers: ["10.1.0.1", "fd00::1"], domain: "cluster.local", search: ["svc.cluster.local"], options: ["ndots:5"] };

/** What a bridge plugin returns: two interfaces, two IPv4 addresses and one IPv6, routes of both families. */
const dualStack: CurrentResult = {
  cniVersion: "1.1.0",
  interfaces: [
    { name: "cni0", mac: "0a:58:0a:01:00:01" },
    { name: "eth0", mac: "02:42:0a:01:00:02", mtu: 9000, sandbox: "/run/netns/x", socketPath: "/run/vhost.sock", pciID: "0000:00:1f.6" },
  ],
  ips: [
    { address: "10.1.0.2/24", gateway: "10.1.0.1", interface: 1 },
    { address: "10.1.0.3/24", interface: 1 },
    { address: "fd00::2/64", gateway: "fd00::1", interface: 1 },
  ],
  routes: [
    { dst: "0.0.0.0/0", gw: "10.1.0.1", mtu: 1400, table: 100 },
    { dst: "::/0", gw: "fd00::1", priority: 10, scope: 0 },
    { dst: "10.2.0.0/16" },
  ],
  dns,
};

const interfacesV100 = [
  { name: "cni0", mac: "0a:58:0a:01:00:01" },
  { name: "eth0", mac: "02:42:0a:01:00:02", sandbox: "/run/netns/x" },
];
const plainRoutes = [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "::/0", gw: "fd00::1" }, { dst: "10.2.0.0/16" }];

const v04x = (v: string) => ({
  cniVersion: v,
  interfaces: interfacesV100,
  ips: [
    { version: "4", interface: 1, address: "10.1.0.2/24", gateway: "10.1.0.1" },
    { version: "4", interface: 1, address: "10.1.0.3/24" },
    { version: "6", interface: 1, address: "fd00::2/64", gateway: "fd00::1" },
  ],
  routes: plainRoutes,
  dns,
});

/** libcni's convertTo02x: the first address of each family, routes split by the family of dst. */
const v02x = (v: string) => ({
  cniVersion: v,
  ip4: { ip: "10.1.0.2/24", gateway: "10.1.0.1", routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "10.2.0.0/16" }] },
  ip6: { ip: "fd00::2/64", gateway: "fd00::1", routes: [{ dst: "::/0", gw: "fd00::1" }] },
  dns,
});

const EXPECTED: Record<SupportedVersion, object> = {
  "0.1.0": v02x("0.1.0"),
  "0.2.0": v02x("0.2.0"),
  "0.3.0": v04x("0.3.0"),
  "0.3.1": v04x("0.3.1"),
  "0.4.0": v04x("0.4.0"),
  "1.0.0": { cniVersion: "1.0.0", interfaces: interfacesV100, ips: dualStack.ips, routes: plainRoutes, dns },
  "1.1.0": dualStack,
};

describe.each(SUPPORTED_VERSIONS)("result at %s", (v) => {
  test(`a dual-stack result with routes and dns prints as libcni's ${v} JSON`, () => {
    expect(JSON.stringify(convertResult(dualStack, v))).toBe(JSON.stringify(EXPECTED[v]));
  });

  test("read back and printed again, it is unchanged", () => {
    const printed = convertResult(dualStack, v);
    const { result } = prevResultToCurrent(printed, v);
    expect(convertResult(result, v)).toStrictEqual(printed);
  });

  test(`a prevResult printed at ${v} reaches plugins as the current result`, () => {
    const { result, fromVersion } = prevResultToCurrent(EXPECTED[v], "1.1.0");
    expect(fromVersion).toBe(v);
    expect(result.cniVersion).toBe("1.1.0");
    expect(convertResult(result, v)).toStrictEqual(EXPECTED[v]);
  });

  test(`a prevResult without cniVersion is read in the config's version ${v}`, () => {
    const { cniVersion: _v, ...bare } = EXPECTED[v] as { cniVersion: string };
    expect(prevResultToCurrent(bare, v).fromVersion).toBe(v);
  });
});

describe("results that cannot go down", () => {
  const noAddress: CurrentResult = { interfaces: [{ name: "lo", sandbox: "/run/netns/x" }], dns: { nameservers: ["10.1.0.1"] } };

  test.each(["0.1.0", "0.2.0"] as const)("a result without IP addresses to %s fails with code 999, as libcni's convertTo02x", (v) => {
    expect(() => convertPluginResult(noAddress, "loopback", v)).toThrow(
      expect.objectContaining({
        code: 999,
        msg: "cannot convert: no valid IP addresses",
        details: `the result of plugin loopback has no IP address, and a ${v} result (ip4/ip6) needs one`,
      }),
    );
  });

  test.each(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const)("the same result converts to %s", (v) => {
    expect(convertPluginResult(noAddress, "loopback", v)).toMatchObject({ cniVersion: v, interfaces: [{ name: "lo" }] });
  });
});

describe("libcni's details", () => {
  test("below 1.0.0 an empty dns prints as {} (Go's omitempty skips structs); from 1.0.0 on it is left out", () => {
    const bare: CurrentResult = { ips: [{ address: "10.0.0.2/8" }], dns: {} };
    expect(convertResult(bare, "0.4.0")).toStrictEqual({ cniVersion: "0.4.0", ips: [{ version: "4", address: "10.0.0.2/8" }], dns: {} });
    expect(convertResult(bare, "0.2.0")).toStrictEqual({ cniVersion: "0.2.0", ip4: { ip: "10.0.0.2/8" }, dns: {} });
    expect(convertResult(bare, "1.0.0")).toStrictEqual({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/8" }] });
  });

  test("empty lists are left out (omitempty)", () => {
    expect(convertResult({ interfaces: [], ips: [{ address: "fd00::2/64" }], routes: [] }, "1.1.0")).toStrictEqual({
      cniVersion: "1.1.0",
      ips: [{ address: "fd00::2/64" }],
    });
  });
});

describe("prevResult of an older version", () => {
  test("a 0.2.0 prevResult with only ip6 lifts to one address and its routes", () => {
    const prev = { cniVersion: "0.2.0", ip6: { ip: "fd00::2/64", gateway: "fd00::1", routes: [{ dst: "::/0", gw: "fd00::1" }] } };
    expect(prevResultToCurrent(prev, "0.2.0").result).toStrictEqual({
      cniVersion: "1.1.0",
      ips: [{ address: "fd00::2/64", gateway: "fd00::1" }],
      routes: [{ dst: "::/0", gw: "fd00::1" }],
    });
  });

  test("a 0.4.0 prevResult may leave out ips[].version, as libcni ignores it", () => {
    expect(prevResultToCurrent({ cniVersion: "0.4.0", ips: [{ address: "10.0.0.2/8" }] }, "0.4.0").result.ips).toEqual([
      { address: "10.0.0.2/8" },
    ]);
  });

  test("a prevResult with cniVersion \"\" is read in the config's version, as libcni's ParsePrevResult", () => {
    expect(prevResultToCurrent({ cniVersion: "", ip4: { ip: "10.0.0.2/8" } }, "0.1.0").fromVersion).toBe("0.1.0");
  });

  test.each([
    ["0.2.0", { ip4: { ip: "10.0.0.2" } }, 'field "prevResult.ip4.ip" must be an IP address in CIDR notation (e.g. 10.1.0.2/24)'],
    ["0.2.0", { ip4: { ip: "10.0.0.2/8", routes: [{ gw: "10.0.0.1" }] } }, 'field "prevResult.ip4.routes[0].dst" is required'],
    ["0.4.0", { ips: [{ version: "5", address: "10.0.0.2/8" }] }, 'field "prevResult.ips[0].version" must be one of "4" or "6"'],
    ["0.3.1", { interfaces: [{ mac: "x" }] }, 'field "prevResult.interfaces[0].name" is required'],
  ] as const)("a bad %s prevResult %j fails with code 7 naming the field", (v, prev, why) => {
    expect(() => prevResultToCurrent({ cniVersion: v, ...prev }, "1.1.0")).toThrow(
      expect.objectContaining({ code: 7, msg: `network config: ${why}` }),
    );
  });
});
