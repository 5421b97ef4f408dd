// The host survives plugins that trap, spin, lie about their result or reach for what they
// were not granted: each call ends as a CNI error JSON on stdout, exit code 1, in bounded time.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectCniError, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["trap", "spin", "bad-result", "greedy", "leaky"]);
  policy = writePolicy({
    trap: { interfaces: ["netns", "link"] },
    spin: { interfaces: [], timeLimitMs: 300 },
    "bad-result": { interfaces: [] },
    greedy: { interfaces: ["netns"] },
    leaky: { interfaces: ["netns", "link", "addr", "route", "sysctl"], linkKinds: ["veth"], sysctlKeys: ["net.ipv4.conf.*.forwarding"] },
  });
}, 120_000);

const netns = netnsPerTest();

function add(plugin: string, config: Record<string, unknown> = {}, ns?: TestNetns, pol = policy) {
  return runHostile({ plugin, pluginDir, policy: pol, netns: ns, config });
}

/** Links, addresses, routes and the sysctl the leaky fixture sets, of one namespace. */
function state(ns: TestNetns): string {
  const show = (args: string[]) => execFileSync("ip", ["-n", ns.name, ...args], { encoding: "utf8" });
  return [show(["link", "show"]), show(["addr", "show"]), show(["route", "show"]), ns.exec("sysctl", ["-n", "net.ipv4.conf.all.forwarding"])].join("\n");
}

describe("hostile plugins", () => {
  it("a guest panic ends as CNI error 999 naming the plugin, AssemblyScript's message and where it happened", () => {
    const r = add("trap", {}, netns("trap"));
    expectCniError(r, 999, /^plugin "trap" panicked in add: Index out of range \(at ~lib\/array\.ts:\d+:\d+\)$/);
    expect(r.json).toMatchObject({ details: expect.stringMatching(/^Index out of range \(at ~lib\/array\.ts:\d+:\d+\)$/) });
  });

  it("an endless loop is stopped at the plugin's time limit with CNI error 999", () => {
    const r = add("spin");
    expectCniError(r, 999, /plugin "spin" add: plugin ran longer than its time limit of 300 ms/);
    expect(r.ms).toBeLessThan(10_000);
  });

  it("a result that is not JSON is CNI error 999", () => {
    expectCniError(add("bad-result"), 999, /plugin "bad-result" returned a result that is not JSON/);
  });

  it("a result that breaks the schema is CNI error 999 naming the field", () => {
    expectCniError(add("bad-result", { mode: "schema" }), 999, /ips\[0\]\.address/);
  });

  it("a component importing an interface it was not granted fails to load, naming it", () => {
    expectCniError(add("greedy"), 999, /imports cni:host\/link, which its grant does not allow/);
  });

  it("a plugin with no grant is denied by default", () => {
    const r = add("bad-result", {}, undefined, writePolicy({}));
    expectCniError(r, 999, /plugin "bad-result" has no grant in the policy \(deny by default\)/);
  });

  it("a broken policy file fails the call with code 7 and runs nothing", () => {
    const r = add("spin", {}, undefined, writePolicy({ spin: { interfaces: "all" } }));
    expectCniError(r, 7, /policy .*field "plugins.spin.interfaces" must be an array/);
  });

  it("a plugin pinned to another sha256 is refused before it runs", () => {
    const r = add("bad-result", {}, undefined, writePolicy({ "bad-result": { interfaces: [], sha256: "0".repeat(64) } }));
    expectCniError(r, 999, /pinned to sha256 0{64}, but its component bad-result.wasm has [0-9a-f]{64}/);
  });

  it("a plugin pinned to its own sha256 runs", () => {
    const meta = JSON.parse(readFileSync(join(pluginDir, "bad-result", "meta.json"), "utf8")) as { sha256: string };
    const r = add("bad-result", {}, undefined, writePolicy({ "bad-result": { interfaces: [], sha256: meta.sha256 } }));
    // Past the pin, the plugin ran and failed its own way.
    expectCniError(r, 999, /returned a result that is not JSON/);
  });

  it("an unknown plugin is CNI error 7 listing what is installed", () => {
    expectCniError(add("nope"), 7, /no Wasm plugin "nope" in .*available: .*trap/);
  });

  it("a trap undoes the link change the plugin made before it (lo is down again)", () => {
    const c = netns("trap");
    ip(c, "link", "set", "lo", "down");
    expectCniError(add("trap", {}, c), 999, /panicked/);
    const [lo] = ipJson<{ flags: string[] }[]>(c, ["link", "show", "lo"]);
    expect(lo?.flags).not.toContain("UP");
  });

  it.each(["error", "trap", "badresult"])("an ADD that fails (%s) after making changes leaves the namespace as it was", (how) => {
    const c = netns("leak");
    ip(c, "link", "set", "lo", "down");
    const before = state(c);
    const r = add("leaky", { mode: how }, c);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: how === "error" ? 100 : 999 });
    expect(state(c)).toEqual(before);
  });
});
