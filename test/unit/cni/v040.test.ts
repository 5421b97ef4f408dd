import { describe, expect, test } from "vitest";
import { liftV040, lowerToV040, resultV040Schema } from "../../../host/cni/v040";

describe("lowerToV040 (libcni's convertTo04x)", () => {
  test("labels each address with its family and keeps interface index 0", () => {
    expect(lowerToV040({ ips: [{ address: "fd00::2/64", interface: 0 }, { address: "::ffff:10.0.0.2/120" }] })).toStrictEqual({
      ips: [
        { version: "6", interface: 0, address: "fd00::2/64" },
        { version: "4", address: "::ffff:10.0.0.2/120" },
      ],
      dns: {},
    });
  });

  test("leaves out an empty mac or sandbox (omitempty) and the 1.1.0 interface and route fields", () => {
    const r = lowerToV040({
      interfaces: [{ name: "eth0", mac: "", sandbox: "", mtu: 1500, pciID: "0000:00:1f.6" }],
      routes: [{ dst: "0.0.0.0/0", mtu: 1400, table: 100, scope: 0 }],
    });
    expect(r).toStrictEqual({ interfaces: [{ name: "eth0" }], routes: [{ dst: "0.0.0.0/0" }], dns: {} });
  });
});

describe("liftV040 (libcni's convertFrom04x)", () => {
  test("drops ips[].version and keeps the rest", () => {
    const r = resultV040Schema().parse({
      cniVersion: "0.3.1",
      interfaces: [{ name: "eth0", mac: "02:00:00:00:00:01", sandbox: "/run/netns/x" }],
      ips: [{ version: "4", interface: 0, address: "10.0.0.2/8", gateway: "10.0.0.1" }],
      routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }],
      dns: { nameservers: ["10.0.0.1"] },
    });
    expect(liftV040(r)).toStrictEqual({
      interfaces: [{ name: "eth0", mac: "02:00:00:00:00:01", sandbox: "/run/netns/x" }],
      ips: [{ interface: 0, address: "10.0.0.2/8", gateway: "10.0.0.1" }],
      routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }],
      dns: { nameservers: ["10.0.0.1"] },
    });
  });

  test("a version other than \"4\" or \"6\" is refused", () => {
    expect(resultV040Schema().safeParse({ ips: [{ version: "v4", address: "10.0.0.2/8" }] }).success).toBe(false);
  });
});
