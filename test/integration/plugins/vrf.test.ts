// vrf through the host binary, in namespaces the test makes: a container whose eth0
// (10.1.0.2/24, fd00:1::2/64, a route to 10.9.0.0/16 via 10.1.0.1) stands for what the previous
// plugin of the chain made. This machine's kernel has no vrf driver: it is probed once, the
// tests that need it skip naming the kernel's answer, and what runs everywhere is the refusal:
// ADD fails with 999 naming it and leaves the container exactly as it was (nothing half made),
// and Go's vrf (/usr/lib/cni/vrf, v1.1.1) fails the same way. The request itself is checked
// against iproute2's bytes in test/golden/link-kinds.test.ts.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { createNetns, ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { call, type Caller, callGo, ok, pluginBinary } from "./attach-fixture";

/** "" when the kernel makes a vrf, else its answer (`ip link add ... type vrf` stderr). */
function probe(): string {
  const ns = createNetns("probe");
  try {
    execFileSync("ip", ["-n", ns.name, "link", "add", "v0", "type", "vrf", "table", "10"], { stdio: ["ignore", "ignore", "pipe"] });
    return "";
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e).trim() || "refused";
  } finally {
    ns.remove();
  }
}

const MISSING = probe();

let vrf: Caller;

beforeAll(async () => {
  vrf = { pluginDir: await buildPluginsUnderTest(["vrf"]), binary: pluginBinary("vrf") };
}, 300_000);

const netns = netnsPerTest();

function container(): TestNetns {
  const c = netns("c"), wire = netns("w");
  ip(c, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0", "netns", wire.name);
  ip(c, "addr", "add", "10.1.0.2/24", "dev", "eth0");
  ip(c, "addr", "add", "fd00:1::2/64", "dev", "eth0", "nodad");
  ip(c, "link", "set", "eth0", "up");
  ip(wire, "link", "set", "peer0", "up");
  ip(c, "route", "add", "10.9.0.0/16", "via", "10.1.0.1", "dev", "eth0");
  return c;
}

const conf = (c: TestNetns, extra: Record<string, unknown> = {}) => ({
  cniVersion: "1.0.0", name: "vrf-net", type: "vrf", vrfname: "vrf0",
  prevResult: { cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: c.path }], ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1", interface: 0 }] },
  ...extra,
});

/** Links, addresses, rules and routes of every table, as `ip -j` shows them. */
function state(c: TestNetns): unknown {
  return {
    links: ipJson(c, ["-d", "link", "show"]), addrs: ipJson(c, ["addr", "show"]),
    rules: ipJson(c, ["rule", "show"]), routes: ipJson(c, ["route", "show", "table", "all"]), routes6: ipJson(c, ["-6", "route", "show", "table", "all"]),
  };
}

describe.runIf(MISSING !== "")(`vrf on a kernel without it (the kernel answers "${MISSING}")`, () => {
  it("ADD fails with 999 naming the kernel's refusal (EOPNOTSUPP) and leaves the container as it was", () => {
    const host = netns("h"), c = container();
    const before = state(c);
    const r = call(vrf, "ADD", conf(c, { table: 10 }), c, host);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/^could not add VRF vrf0 with table 10: kernel: .*EOPNOTSUPP/) });
    expect(state(c)).toEqual(before);
  });

  it("Go's vrf fails the same way here and leaves the container as it was", () => {
    const host = netns("h"), c = container();
    const before = state(c);
    const r = callGo("vrf", "ADD", conf(c, { table: 10 }), c, host);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: "cmdAdd failed: could not add VRF vrf0: operation not supported" });
    expect(state(c)).toEqual(before);
  });

  it("DEL with no VRF there succeeds and changes nothing", () => {
    const host = netns("h"), c = container();
    const before = state(c);
    ok(call(vrf, "DEL", conf(c), c, host));
    expect(state(c)).toEqual(before);
  });
});

describe.skipIf(MISSING !== "")(`vrf on a kernel that has it${MISSING ? ` (skipped: the kernel answers "${MISSING}")` : ""}`, () => {
  it("ADD makes vrf0 with the table, enslaves eth0 and moves its route there; CHECK passes; DEL leaves the container as it was", () => {
    const host = netns("h"), c = container();
    const before = state(c);
    ok(call(vrf, "ADD", conf(c, { table: 10 }), c, host));
    expect(ipJson<{ master?: string }[]>(c, ["link", "show", "eth0"])[0]!.master).toBe("vrf0");
    expect(c.exec("ip", ["route", "show", "table", "10"])).toContain("10.9.0.0/16 via 10.1.0.1 dev eth0");
    ok(call(vrf, "CHECK", conf(c, { table: 10 }), c, host));
    ok(call(vrf, "DEL", conf(c), c, host));
    expect(ipJson(c, ["link", "show", "vrf0"])).toEqual([]);
    expect((state(c) as { links: unknown }).links).toEqual((before as { links: unknown }).links);
  });
});

describe("vrf bad configs", () => {
  it.each<[string, (c: TestNetns) => Record<string, unknown>, string]>([
    ["no vrfname", (c) => ({ ...conf(c), vrfname: undefined }), 'field "vrfname" is required'],
    ["the main table", (c) => conf(c, { table: 254 }), 'field "table" is 254, the main or local table'],
    ["no prevResult", (c) => ({ ...conf(c), prevResult: undefined }), "missing prevResult from earlier plugin"],
  ])("%s fails with code 7 and changes nothing", (_what, config, text) => {
    const host = netns("h"), c = container();
    const before = state(c);
    const r = call(vrf, "ADD", config(c), c, host);
    expect(r.json).toMatchObject({ code: 7 });
    const { msg, details } = r.json as { msg: string; details?: string };
    expect(`${msg}; ${details ?? ""}`).toContain(text);
    expect(state(c)).toEqual(before);
  });
});
