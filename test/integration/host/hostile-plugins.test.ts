// The host survives plugins that trap, spin, lie about their result or reach for what they
// were not granted: each call ends as a CNI error JSON on stdout, exit code 1, in bounded time.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cniExec } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { createNetns, ipJson, type TestNetns } from "../../helpers/netns";

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["trap", "spin", "bad-result", "greedy", "leaky"]);
  policy = join(mkdtempSync(join(tmpdir(), "wasm-cni-policy-")), "policy.json");
  writeFileSync(policy, JSON.stringify({
    plugins: {
      trap: { interfaces: ["netns", "link"] },
      spin: { interfaces: [], timeLimitMs: 300 },
      "bad-result": { interfaces: [] },
      greedy: { interfaces: ["netns"] },
      leaky: { interfaces: ["netns", "link", "addr", "route", "sysctl"], linkKinds: ["veth"], sysctlKeys: ["net.ipv4.conf.*.forwarding"] },
    },
  }));
}, 120_000);

const namespaces: TestNetns[] = [];
afterEach(() => namespaces.splice(0).forEach((ns) => ns.remove()));

function add(plugin: string, config: Record<string, unknown> = {}, netns = "/run/netns/none") {
  return cniExec({
    binary: HOST_BIN,
    command: "ADD",
    containerId: "ctr1",
    netns,
    ifname: "eth0",
    config: { cniVersion: "1.1.0", name: "hostile", type: "wasm-cni", plugin, ...config },
    env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: policy },
  });
}

/** Links, addresses, routes and the sysctl the leaky fixture sets, of one namespace. */
function state(ns: TestNetns): string {
  const show = (args: string[]) => execFileSync("ip", ["-n", ns.name, ...args], { encoding: "utf8" });
  return [show(["link", "show"]), show(["addr", "show"]), show(["route", "show"]), ns.exec("sysctl", ["-n", "net.ipv4.conf.all.forwarding"])].join("\n");
}

function expectCniError(r: ReturnType<typeof add>, code: number, msg: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.json).toMatchObject({ cniVersion: "1.1.0", code, msg: expect.stringMatching(msg) });
  expect(r.stdout).not.toMatch(/\n\s+at /); // no stack trace where the runtime reads
}

describe("hostile plugins", () => {
  it("a guest panic ends as CNI error 999 naming the plugin, AssemblyScript's message and where it happened", () => {
    const c = createNetns("trap");
    namespaces.push(c);
    const r = add("trap", {}, c.path);
    expectCniError(r, 999, /^plugin "trap" panicked in add: Index out of range \(at ~lib\/array\.ts:\d+:\d+\)$/);
    expect(r.json).toMatchObject({ details: expect.stringMatching(/^at ~lib\/array\.ts:\d+:\d+$/) });
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
    const open = join(mkdtempSync(join(tmpdir(), "wasm-cni-policy-")), "policy.json");
    writeFileSync(open, JSON.stringify({ plugins: {} }));
    const r = cniExec({
      binary: HOST_BIN, command: "ADD", containerId: "c", netns: "/x", ifname: "eth0",
      config: { cniVersion: "1.1.0", name: "n", type: "wasm-cni", plugin: "bad-result" },
      env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: open },
    });
    expectCniError(r, 999, /plugin "bad-result" has no grant in the policy \(deny by default\)/);
  });

  it("a broken policy file fails the call with code 7 and runs nothing", () => {
    const broken = join(mkdtempSync(join(tmpdir(), "wasm-cni-policy-")), "policy.json");
    writeFileSync(broken, JSON.stringify({ plugins: { spin: { interfaces: "all" } } }));
    const r = cniExec({
      binary: HOST_BIN, command: "ADD", containerId: "c", netns: "/x", ifname: "eth0",
      config: { cniVersion: "1.1.0", name: "n", type: "wasm-cni", plugin: "spin" },
      env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: broken },
    });
    expectCniError(r, 7, /policy .*field "plugins.spin.interfaces" must be an array/);
  });

  it("a plugin pinned to another sha256 is refused before it runs", () => {
    const pinned = join(mkdtempSync(join(tmpdir(), "wasm-cni-policy-")), "policy.json");
    writeFileSync(pinned, JSON.stringify({ plugins: { "bad-result": { interfaces: [], sha256: "0".repeat(64) } } }));
    const r = cniExec({
      binary: HOST_BIN, command: "ADD", containerId: "c", netns: "/x", ifname: "eth0",
      config: { cniVersion: "1.1.0", name: "n", type: "wasm-cni", plugin: "bad-result" },
      env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: pinned },
    });
    expectCniError(r, 999, /pinned to sha256 0{64}, but its component bad-result.wasm has [0-9a-f]{64}/);
  });

  it("a plugin pinned to its own sha256 runs", () => {
    const meta = JSON.parse(readFileSync(join(pluginDir, "bad-result", "meta.json"), "utf8")) as { sha256: string };
    const pinned = join(mkdtempSync(join(tmpdir(), "wasm-cni-policy-")), "policy.json");
    writeFileSync(pinned, JSON.stringify({ plugins: { "bad-result": { interfaces: [], sha256: meta.sha256 } } }));
    const r = cniExec({
      binary: HOST_BIN, command: "ADD", containerId: "c", netns: "/x", ifname: "eth0",
      config: { cniVersion: "1.1.0", name: "n", type: "wasm-cni", plugin: "bad-result" },
      env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: pinned },
    });
    // Past the pin, the plugin ran and failed its own way.
    expectCniError(r, 999, /returned a result that is not JSON/);
  });

  it("an unknown plugin is CNI error 7 listing what is installed", () => {
    expectCniError(add("nope"), 7, /no Wasm plugin "nope" in .*available: .*trap/);
  });

  it("a trap undoes the link change the plugin made before it (lo is down again)", () => {
    const c = createNetns("trap");
    namespaces.push(c);
    execFileSync("ip", ["-n", c.name, "link", "set", "lo", "down"]);
    expectCniError(add("trap", {}, c.path), 999, /panicked/);
    const [lo] = ipJson<{ flags: string[] }[]>(c, ["link", "show", "lo"]);
    expect(lo?.flags).not.toContain("UP");
  });

  it.each(["error", "trap", "badresult"])("an ADD that fails (%s) after making changes leaves the namespace as it was", (how) => {
    const c = createNetns("leak");
    namespaces.push(c);
    execFileSync("ip", ["-n", c.name, "link", "set", "lo", "down"]);
    const before = state(c);
    const r = add("leaky", { mode: how }, c.path);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: how === "error" ? 100 : 999 });
    expect(state(c)).toEqual(before);
  });
});
