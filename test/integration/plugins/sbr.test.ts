// sbr through the host binary, in namespaces the test makes: a container whose eth0 (10.1.0.2/24
// and fd00:1::2/64, default routes via .1 and ::1) stands for what the previous plugin of the
// chain made, and its prevResult. After ADD: a rule and a table per address, the interface's
// routes moved there; after DEL no rule and no table route of ours; side by side with Debian's
// Go sbr (v1.1.1) on the same config, `ip rule` and `ip route show table all` are the same.
import { beforeAll, describe, expect, it } from "vitest";
import type { CniOutcome } from "../../../tools/cni-exec";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { call, type Caller, callGo, normalizeResult, ok, pluginBinary } from "./attach-fixture";

let sbr: Caller;

beforeAll(async () => {
  sbr = { pluginDir: await buildPluginsUnderTest(["sbr"]), binary: pluginBinary("sbr") };
}, 300_000);

const netns = netnsPerTest();

/** A container with eth0 as a main plugin would leave it (a veth to a "wire" netns). */
function container(): TestNetns {
  const c = netns("c"), wire = netns("w");
  ip(c, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0", "netns", wire.name);
  ip(c, "addr", "add", "10.1.0.2/24", "dev", "eth0");
  ip(c, "addr", "add", "fd00:1::2/64", "dev", "eth0", "nodad");
  ip(c, "link", "set", "eth0", "up");
  ip(wire, "link", "set", "peer0", "up");
  ip(c, "route", "add", "default", "via", "10.1.0.1", "dev", "eth0");
  ip(c, "-6", "route", "add", "default", "via", "fd00:1::1", "dev", "eth0");
  return c;
}

function prevResult(c: TestNetns) {
  return {
    cniVersion: "1.0.0",
    interfaces: [{ name: "eth0", sandbox: c.path }],
    ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1", interface: 0 }, { address: "fd00:1::2/64", gateway: "fd00:1::1", interface: 0 }],
    routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
  };
}

const conf = (c: TestNetns, extra: Record<string, unknown> = {}) =>
  ({ cniVersion: "1.0.0", name: "sbr-net", type: "sbr", prevResult: prevResult(c), ...extra });

/** Rules of both families and routes of every table, as `ip -j` shows them. */
function dump(c: TestNetns) {
  return {
    rules: [...ipJson<object[]>(c, ["-4", "rule", "show"]), ...ipJson<object[]>(c, ["-6", "rule", "show"])],
    routes: [...ipJson<object[]>(c, ["-4", "route", "show", "table", "all"]), ...ipJson<object[]>(c, ["-6", "route", "show", "table", "all"])],
  };
}

/** `ip rule` and `ip route show table N` lines, for reading. */
const rules = (c: TestNetns, family: "-4" | "-6") => c.exec("ip", [family, "rule", "show"]).trim().split("\n").map((l) => l.trim());
const table = (c: TestNetns, family: "-4" | "-6", t: string) => c.exec("ip", [family, "route", "show", "table", t]).trim().split("\n").filter(Boolean).map((l) => l.trim());

/** Rules and routes that are not the kernel's defaults or main's or local's: what sbr leaves. */
function ours(c: TestNetns) {
  const d = dump(c) as { rules: { table: string }[]; routes: { table?: string }[] };
  return { rules: d.rules.filter((r) => !["local", "main", "default"].includes(r.table)), routes: d.routes.filter((r) => r.table !== undefined && r.table !== "local") };
}

describe("sbr ADD and DEL", () => {
  it("ADD gives each address a rule and a table of its own holding the interface's routes, and takes them out of main", () => {
    const host = netns("h"), c = container();
    const r = ok(call(sbr, "ADD", conf(c), c, host));
    expect(r).toMatchObject({ cniVersion: "1.0.0", ips: [{ address: "10.1.0.2/24" }, { address: "fd00:1::2/64" }] });
    expect(rules(c, "-4")).toEqual(["0:\tfrom all lookup local", "32765:\tfrom 10.1.0.2 lookup 100", "32766:\tfrom all lookup main", "32767:\tfrom all lookup default"]);
    expect(rules(c, "-6")).toEqual(["0:\tfrom all lookup local", "32765:\tfrom fd00:1::2 lookup 101", "32766:\tfrom all lookup main"]);
    expect(table(c, "-4", "100")).toEqual(["default via 10.1.0.1 dev eth0", "10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.2"]);
    expect(table(c, "-6", "101")).toEqual([
      "fd00:1::/64 dev eth0 proto kernel metric 256 pref medium", "fe80::/64 dev eth0 proto kernel metric 256 pref medium",
      "default via fd00:1::1 dev eth0 metric 1024 pref medium",
    ]);
    expect(table(c, "-4", "main")).toEqual([]);
    expect(table(c, "-6", "main")).toEqual([]);
  });

  it("DEL removes the rules and the routes of their tables; with the interface gone too nothing is left", () => {
    const host = netns("h"), c = container();
    ok(call(sbr, "ADD", conf(c), c, host));
    ok(call(sbr, "DEL", conf(c), c, host));
    expect(ours(c)).toEqual({ rules: [], routes: [] });
    ok(call(sbr, "DEL", conf(c), c, host)); // again: nothing to do
    ip(c, "link", "del", "eth0"); // what the main plugin's DEL does next
    const fresh = netns("fresh");
    expect(dump(c)).toEqual(dump(fresh));
  });

  it("the first free table is taken: a rule for table 100 already there gives 101 and 102", () => {
    const host = netns("h"), c = container();
    ip(c, "rule", "add", "from", "192.0.2.1", "lookup", "100");
    ok(call(sbr, "ADD", conf(c), c, host));
    expect(rules(c, "-4")).toContain("32764:\tfrom 10.1.0.2 lookup 101");
    expect(rules(c, "-6")).toContain("32765:\tfrom fd00:1::2 lookup 102");
    ok(call(sbr, "DEL", conf(c), c, host));
    expect(ours(c).rules).toEqual([{ priority: 32765, src: "192.0.2.1", table: "100" }]);
  });

  it("with table, ADD adds only the rules into it and DEL removes only those", () => {
    const host = netns("h"), c = container();
    const mainBefore = table(c, "-4", "main");
    ok(call(sbr, "ADD", conf(c, { table: 500 }), c, host));
    expect(ours(c).rules).toEqual([{ priority: 32765, src: "10.1.0.2", table: "500" }, { priority: 32765, src: "fd00:1::2", table: "500" }]);
    expect(table(c, "-4", "main")).toEqual(mainBefore);
    ok(call(sbr, "CHECK", conf(c, { table: 500 }), c, host));
    ok(call(sbr, "DEL", conf(c, { table: 500 }), c, host));
    expect(ours(c)).toEqual({ rules: [], routes: [] });
  });

  it("gateways replace prevResult's gateway of their family in the table (a default route of main copied there still wins, as in Go)", () => {
    const host = netns("h"), c = container();
    ip(c, "route", "del", "default");
    ok(call(sbr, "ADD", conf(c, { gateways: ["10.1.0.254"] }), c, host));
    expect(table(c, "-4", "100")).toContain("default via 10.1.0.254 dev eth0");
    expect(table(c, "-6", "101")).toContain("default via fd00:1::1 dev eth0 metric 1024 pref medium");
  });

  it("addSourceHints keeps each subnet route in main with the address as source and takes the other routes out", () => {
    const host = netns("h"), c = container();
    ok(call(sbr, "ADD", conf(c, { addSourceHints: true }), c, host));
    expect(table(c, "-4", "main")).toEqual(["10.1.0.0/24 dev eth0 scope link src 10.1.0.2"]);
    expect(table(c, "-6", "main")).toEqual(["fd00:1::/64 dev eth0 src fd00:1::2 metric 1024 pref medium"]);
    expect(table(c, "-4", "100")).toEqual(["default via 10.1.0.1 dev eth0", "10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.2"]);
    ok(call(sbr, "DEL", conf(c, { addSourceHints: true }), c, host));
    expect(ours(c)).toEqual({ rules: [], routes: [] });
  });

  it("CHECK fails once a rule is gone", () => {
    const host = netns("h"), c = container();
    ok(call(sbr, "ADD", conf(c), c, host));
    ok(call(sbr, "CHECK", conf(c), c, host));
    ip(c, "rule", "del", "from", "10.1.0.2", "lookup", "100");
    const r = call(sbr, "CHECK", conf(c), c, host);
    expect(r.json).toMatchObject({ code: 999, msg: "no rule from 10.1.0.2 for eth0" });
  });
});

describe("sbr bad configs", () => {
  it.each<[string, (c: TestNetns) => Record<string, unknown>, string]>([
    ["no prevResult", (c) => ({ ...conf(c), prevResult: undefined }), "must be called as a chained plugin"],
    ["table 0", (c) => conf(c, { table: 0 }), 'field "table" must be a routing table id from 1 to 4294967295'],
    ["a table that is no number", (c) => conf(c, { table: "100" }), 'field "table" must be an integer'],
    ["three gateways", (c) => conf(c, { gateways: ["10.1.0.1", "10.1.0.3", "fd00:1::1"] }), 'field "gateways" holds 3 addresses'],
    ["two IPv4 gateways", (c) => conf(c, { gateways: ["10.1.0.1", "10.1.0.3"] }), 'field "gateways" holds two IPv4 gateways'],
    ["a gateway that is no address", (c) => conf(c, { gateways: ["gw"] }), 'field "gateways" holds gw, which is not an IP address'],
    ["a prevResult without addresses", (c) => ({ ...conf(c), prevResult: { cniVersion: "1.0.0", interfaces: [{ name: "eth0" }] } }),
      "prevResult has no IP addresses for interface eth0"],
  ])("%s fails with code 7 and changes nothing", (_what, config, text) => {
    const host = netns("h"), c = container();
    const before = dump(c);
    const r = call(sbr, "ADD", config(c), c, host);
    expect(r.json).toMatchObject({ code: 7 });
    const { msg, details } = r.json as { msg: string; details?: string };
    expect(`${msg}; ${details ?? ""}`).toContain(text);
    expect(dump(c)).toEqual(before);
  });
});

describe("side by side with Go's sbr (/usr/lib/cni/sbr, v1.1.1)", () => {
  /** ADD by `run` on a fresh container (`prepare` first), then its dump. */
  function after(run: (c: TestNetns, host: TestNetns) => CniOutcome, prepare: (c: TestNetns) => void = () => {}) {
    const host = netns("h"), c = container();
    prepare(c);
    const r = run(c, host);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return { result: r.json, dump: dump(c) };
  }

  it.each<[string, (c: TestNetns) => void]>([
    ["dual stack", () => {}],
    ["table 100 taken", (c) => ip(c, "rule", "add", "from", "192.0.2.1", "lookup", "100")],
  ])("%s: the same rules, the same routes in every table, the same result", (_what, prepare) => {
    const go = after((c, host) => callGo("sbr", "ADD", conf(c), c, host), prepare);
    const wasm = after((c, host) => call(sbr, "ADD", conf(c), c, host), prepare);
    expect(wasm.dump).toEqual(go.dump);
    expect(normalizeResult(wasm.result as Record<string, unknown>)).toEqual(normalizeResult(go.result as Record<string, unknown>));
  });
});
