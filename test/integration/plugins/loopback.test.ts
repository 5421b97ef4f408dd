// loopback through the host binary, exec'd as a runtime execs it, against real namespaces.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import {
  buildSuitePlugins, call as callAs, callGo, type Caller, GO_PLUGINS, links, normalizeResult, ok, pluginBinary,
} from "./attach-fixture";

const VERSIONS = ["1.0.0", "1.1.0"] as const;
let p: Caller;

beforeAll(async () => {
  p = { pluginDir: await buildSuitePlugins("loopback"), binary: pluginBinary("loopback") };
}, 120_000);

const netns = netnsPerTest();

/** A container netns with lo down (a new netns has it up) and the runtime's "host" netns. */
function namespaces(): { host: TestNetns; c: TestNetns } {
  const host = netns("h");
  const c = netns("c");
  c.exec("ip", ["link", "set", "lo", "down"]);
  return { host, c };
}

const conf = (cniVersion: string, extra: Record<string, unknown> = {}) => ({ cniVersion, name: "lo", type: "loopback", ...extra });
const loUp = (c: TestNetns): boolean => links(c).find((l) => l.ifname === "lo")!.flags.includes("UP");

describe("loopback", () => {
  for (const version of VERSIONS) {
    it(`ADD sets lo up and returns lo with 127.0.0.1/8 and ::1/128 (cniVersion ${version})`, () => {
      const { host, c } = namespaces();
      const r = ok(callAs(p, "ADD", conf(version), c, host, { ifname: "lo" }));
      expect(r).toEqual({
        cniVersion: version,
        interfaces: [{ name: "lo", mac: "00:00:00:00:00:00", sandbox: c.path }],
        ips: [{ interface: 0, address: "127.0.0.1/8" }, { interface: 0, address: "::1/128" }],
      });
      expect(loUp(c)).toBe(true);
    });
  }

  it("ADD ignores CNI_IFNAME and always configures lo", () => {
    const { host, c } = namespaces();
    ok(callAs(p, "ADD", conf("1.0.0"), c, host, { ifname: "eth0" }));
    expect(loUp(c)).toBe(true);
  });

  it("ADD with a prevResult passes it through unchanged", () => {
    const { host, c } = namespaces();
    const prevResult = { cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: c.path }], ips: [{ interface: 0, address: "10.9.0.5/24" }] };
    expect(ok(callAs(p, "ADD", conf("1.0.0", { prevResult }), c, host))).toEqual(prevResult);
    expect(loUp(c)).toBe(true);
  });

  it("CHECK succeeds while lo is up and fails with 999 once it is down", () => {
    const { host, c } = namespaces();
    ok(callAs(p, "ADD", conf("1.0.0"), c, host, { ifname: "lo" }));
    ok(callAs(p, "CHECK", conf("1.0.0"), c, host, { ifname: "lo" }));
    c.exec("ip", ["link", "set", "lo", "down"]);
    const r = callAs(p, "CHECK", conf("1.0.0"), c, host, { ifname: "lo" });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: "loopback interface is down" });
  });

  it("DEL sets lo down; DEL twice succeeds", () => {
    const { host, c } = namespaces();
    ok(callAs(p, "ADD", conf("1.0.0"), c, host, { ifname: "lo" }));
    ok(callAs(p, "DEL", conf("1.0.0"), c, host, { ifname: "lo" }));
    expect(loUp(c)).toBe(false);
    ok(callAs(p, "DEL", conf("1.0.0"), c, host, { ifname: "lo" }));
  });

  it("DEL with the netns already removed succeeds", () => {
    const { host, c } = namespaces();
    ok(callAs(p, "ADD", conf("1.0.0"), c, host, { ifname: "lo" }));
    c.remove();
    ok(callAs(p, "DEL", conf("1.0.0"), c, host, { ifname: "lo" }));
  });

  it("ADD with a config that is not JSON fails with code 6 and leaves lo down", () => {
    const { host, c } = namespaces();
    const r = callAs(p, "ADD", "{not json", c, host, { ifname: "lo" });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 6 });
    expect(loUp(c)).toBe(false);
  });
});

describe.skipIf(!existsSync(join(GO_PLUGINS, "loopback")))("loopback parity with the Go plugin (/usr/lib/cni, v1.1.1)", () => {
  it("ADD gives Go's result", () => {
    const { host, c } = namespaces();
    const go = namespaces();
    const want = ok(callGo("loopback", "ADD", conf("1.0.0"), go.c, go.host));
    const got = ok(callAs(p, "ADD", conf("1.0.0"), c, host, { ifname: "eth0" }));
    expect(normalizeResult(got)).toEqual(normalizeResult(want));
  });
});
