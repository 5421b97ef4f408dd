import { describe, expect, test } from "vitest";
import { liftV020, lowerToV020, resultV020Schema } from "../../../host/cni/v020";

describe("lowerToV020 (libcni's convertTo02x)", () => {
  test("keeps the first address of each family and drops the rest, as 0.2.0 holds one", () => {
    const r = lowerToV020({ ips: [{ address: "10.0.0.2/8" }, { address: "10.0.0.3/8", gateway: "10.0.0.1" }, { address: "fd00::2/64" }] });
    expect(r).toStrictEqual({ ip4: { ip: "10.0.0.2/8" }, ip6: { ip: "fd00::2/64" }, dns: {} });
  });

  test("drops a route of a family without an address", () => {
    const r = lowerToV020({ ips: [{ address: "fd00::2/64" }], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0", gw: "fd00::1", table: 7 }] });
    expect(r).toStrictEqual({ ip6: { ip: "fd00::2/64", routes: [{ dst: "::/0", gw: "fd00::1" }] }, dns: {} });
  });

  test("counts an IPv4-mapped address and route as IPv4, as Go's To4 says", () => {
    const r = lowerToV020({ ips: [{ address: "::ffff:10.0.0.2/120" }], routes: [{ dst: "::ffff:10.0.0.0/120" }] });
    expect(r).toStrictEqual({ ip4: { ip: "::ffff:10.0.0.2/120", routes: [{ dst: "::ffff:10.0.0.0/120" }] }, dns: {} });
  });

  test("returns undefined for a result without addresses (libcni: cannot convert: no valid IP addresses)", () => {
    expect(lowerToV020({ interfaces: [{ name: "lo" }], routes: [{ dst: "0.0.0.0/0" }] })).toBeUndefined();
  });
});

describe("liftV020 (libcni's convertFrom02x)", () => {
  test("ip4 then ip6 become ips, their routes one list in that order", () => {
    const r = resultV020Schema().parse({
      ip6: { ip: "fd00::2/64", routes: [{ dst: "::/0" }] },
      ip4: { ip: "10.0.0.2/8", gateway: "10.0.0.1", routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }] },
      dns: { domain: "" },
    });
    expect(liftV020(r)).toStrictEqual({
      ips: [{ address: "10.0.0.2/8", gateway: "10.0.0.1" }, { address: "fd00::2/64" }],
      routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }, { dst: "::/0" }],
    });
  });

  test("an empty 0.2.0 result lifts to an empty one", () => {
    expect(liftV020({})).toStrictEqual({});
  });
});
