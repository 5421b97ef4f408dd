import { describe, expect, test } from "vitest";
import { convertPluginResult, convertResult, prevResultToCurrent, type CurrentResult } from "../../../host/cni/convert";
import { SUPPORTED_VERSIONS } from "../../../host/cni/version";

const full: CurrentResult = {
  cniVersion: "1.1.0",
  interfaces: [
    { name: "cni0", mac: "0a:58:0a:01:00:01" },
    { name: "eth0", mac: "02:42:0a:01:00:02", mtu: 9000, sandbox: "/run/netns/x", socketPath: "/run/vhost.sock", pciID: "0000:00:1f.6" },
  ],
  ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1", interface: 1 }],
  routes: [{ dst: "10.2.0.0/16", gw: "10.1.0.254", mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 }],
  dns: { nameservers: ["10.1.0.1"], domain: "cluster.local", search: ["svc.cluster.local"], options: ["ndots:5"] },
};

describe("convertResult", () => {
  test("to 1.1.0 keeps every field", () => {
    expect(convertResult(full, "1.1.0")).toEqual(full);
  });

  test("to 1.0.0 drops interface mtu/socketPath/pciID and route mtu/advmss/priority/table/scope", () => {
    expect(convertResult(full, "1.0.0")).toEqual({
      cniVersion: "1.0.0",
      interfaces: [
        { name: "cni0", mac: "0a:58:0a:01:00:01" },
        { name: "eth0", mac: "02:42:0a:01:00:02", sandbox: "/run/netns/x" },
      ],
      ips: full.ips,
      routes: [{ dst: "10.2.0.0/16", gw: "10.1.0.254" }],
      dns: full.dns,
    });
  });

  test.each(SUPPORTED_VERSIONS)("the result for %s has cniVersion as its first key", (v) => {
    expect(Object.keys(convertResult({ ...full, cniVersion: "x" }, v))[0]).toBe("cniVersion");
    expect(convertResult(full, v).cniVersion).toBe(v);
  });

  test("an IPAM-style result without interfaces converts", () => {
    expect(convertResult({ ips: [{ address: "fd00::5/64", gateway: "fd00::1" }] }, "1.0.0")).toEqual({
      cniVersion: "1.0.0",
      ips: [{ address: "fd00::5/64", gateway: "fd00::1" }],
    });
  });
});

describe("convertPluginResult", () => {
  test.each(SUPPORTED_VERSIONS)("a full 1.1.0 result converts to %s", (v) => {
    expect(convertPluginResult(full, "bridge", v)).toEqual(convertResult(full, v));
  });

  test("a 1.0.0 result with a 1.1.0-only field loses it (it is read as 1.0.0)", () => {
    const r = convertPluginResult({ cniVersion: "1.0.0", routes: [{ dst: "0.0.0.0/0", table: 5 }] }, "p", "1.1.0");
    expect(r).toEqual({ cniVersion: "1.1.0", routes: [{ dst: "0.0.0.0/0" }] });
  });

  test("a scope above 255 fails with code 999", () => {
    expect(() => convertPluginResult({ routes: [{ dst: "0.0.0.0/0", scope: 256 }] }, "p", "1.1.0")).toThrow(
      expect.objectContaining({ code: 999, msg: 'plugin p returned an invalid result: field "routes[0].scope" must be <= 255' }),
    );
  });

  test("a non-string cniVersion fails with code 999", () => {
    expect(() => convertPluginResult({ cniVersion: 1 }, "p", "1.1.0")).toThrow(
      expect.objectContaining({ code: 999, msg: 'plugin p returned an invalid result: field "cniVersion" is 1, not one of ["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' }),
    );
  });
});

describe("prevResultToCurrent", () => {
  test("lifts a 1.0.0 prevResult to 1.1.0", () => {
    expect(prevResultToCurrent({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/8" }] }, "1.0.0")).toEqual({
      result: { cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/8" }] },
      fromVersion: "1.0.0",
    });
  });

  test("an interface index past the list is tolerated in a prevResult (the runtime's, not ours)", () => {
    expect(() => prevResultToCurrent({ ips: [{ address: "10.0.0.2/8", interface: 3 }] }, "1.1.0")).not.toThrow();
  });

  test("a bad route in prevResult fails with code 7 naming the field", () => {
    expect(() => prevResultToCurrent({ routes: [{ dst: "default" }] }, "1.1.0")).toThrow(
      expect.objectContaining({ code: 7, msg: expect.stringMatching(/^network config: field "prevResult.routes\[0\].dst" must be/) }),
    );
  });
});
