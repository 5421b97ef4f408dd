// static through the host binary, exec'd as a runtime (or a main plugin) execs an IPAM plugin,
// and side by side with the Go reference plugin (/usr/lib/cni/static, v1.1.1): same results.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cniExec, type CniInvocation } from "../../../tools/cni-exec";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import { GO_PLUGINS, linkNames, ok, pluginBinary } from "./attach-fixture";

let dir = "", bin = "";

beforeAll(async () => {
  dir = await buildPluginsUnderTest(["static"]);
  bin = pluginBinary("static");
}, 180_000);

const perTest = netnsPerTest();
const netns = (): TestNetns => perTest("st");

const IPAM = {
  type: "static",
  addresses: [{ address: "10.10.0.5/24", gateway: "10.10.0.1" }, { address: "fd10::5/64", gateway: "fd10::1" }],
  routes: [{ dst: "0.0.0.0/0" }, { dst: "10.9.0.0/16", gw: "10.10.0.254" }],
  dns: { nameservers: ["10.10.0.53"], domain: "example.com", search: ["example.com"] },
};

function conf(ipam: Record<string, unknown> = IPAM, extra: Record<string, unknown> = {}, cniVersion = "1.0.0") {
  return { cniVersion, name: "st", type: "macvlan", ...extra, ipam };
}

function call(binary: string, command: CniInvocation["command"], config: unknown, c: TestNetns, args?: string, env: Record<string, string> = {}) {
  return cniExec({
    binary, command, config, containerId: "ctr1", ifname: "eth0", netns: c.path, ...(args !== undefined && { args }), env,
    ...(binary.startsWith(GO_PLUGINS) && { path: GO_PLUGINS }),
  });
}
const ours = (command: CniInvocation["command"], config: unknown, c: TestNetns, args?: string) =>
  call(bin, command, config, c, args, { WASM_CNI_PLUGIN_DIR: dir });
const go = (command: CniInvocation["command"], config: unknown, c: TestNetns, args?: string) =>
  call(join(GO_PLUGINS, "static"), command, config, c, args);

describe("static", () => {
  it("ADD returns the configured addresses with their gateways, the routes and the dns, and changes no link", () => {
    const c = netns();
    expect(ok(ours("ADD", conf(IPAM, {}, "1.1.0"), c))).toEqual({
      cniVersion: "1.1.0",
      ips: [{ address: "10.10.0.5/24", gateway: "10.10.0.1" }, { address: "fd10::5/64", gateway: "fd10::1" }],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "10.9.0.0/16", gw: "10.10.0.254" }],
      dns: { nameservers: ["10.10.0.53"], domain: "example.com", search: ["example.com"] },
    });
    expect(linkNames(c)).toEqual(["lo"]);
  });

  it("CNI_ARGS IP= and GATEWAY= add an address with its gateway", () => {
    const r = ok(ours("ADD", conf({ type: "static" }), netns(), "IP=10.20.0.5/16;GATEWAY=10.20.0.1"));
    expect(r.ips).toEqual([{ address: "10.20.0.5/16", gateway: "10.20.0.1" }]);
  });

  it("CHECK succeeds with the ADD result as prevResult and fails with 999 when an address differs", () => {
    const c = netns();
    const prev = ok(ours("ADD", conf(), c));
    ok(ours("CHECK", { ...conf(), prevResult: prev }, c));
    const other = { ...prev, ips: [{ address: "10.10.0.6/24", gateway: "10.10.0.1" }] };
    expect(ours("CHECK", { ...conf(), prevResult: other }, c).json).toMatchObject({ code: 999, msg: "static: Failed to match addr 10.10.0.5 on interface eth0" });
  });

  it("DEL succeeds, twice", () => {
    const c = netns();
    ok(ours("DEL", conf(), c));
    ok(ours("DEL", conf(), c));
  });

  it("a config without ipam fails with code 7 naming ipam", () => {
    const r = ours("ADD", { cniVersion: "1.0.0", name: "st", type: "static" }, netns());
    expect(r.json).toMatchObject({ code: 7 });
    expect((r.json as { details: string }).details).toContain('"ipam" is required');
  });
});

describe.skipIf(!existsSync(join(GO_PLUGINS, "static")))("static parity with the Go plugin (/usr/lib/cni, v1.1.1)", () => {
  it.each([
    ["dual stack with routes and dns (1.0.0)", conf(), undefined],
    ["dual stack (0.4.0)", conf(IPAM, {}, "0.4.0"), undefined],
    ["one address (0.2.0)", conf({ type: "static", addresses: [{ address: "10.10.0.5/24", gateway: "10.10.0.1" }] }, {}, "0.2.0"), undefined],
    ["CNI_ARGS IP and GATEWAY", conf({ type: "static", addresses: [{ address: "10.10.0.5/24" }] }), "IP=10.20.0.5/16,fd20::5/64;GATEWAY=10.20.0.1,fd20::1"],
    ["runtimeConfig.ips over args.cni.ips", conf(IPAM, { args: { cni: { ips: ["10.30.0.5/24"] } }, runtimeConfig: { ips: ["10.40.0.5/24"] } }), undefined],
  ])("ADD with %s gives Go's result", (_, config, args) => {
    const c = netns();
    const want = ok(go("ADD", config, c, args));
    const got = ok(ours("ADD", config, c, args));
    // An empty dns is written as {} or left out depending on the version and the converter.
    for (const r of [want, got]) if (r.dns && Object.keys(r.dns).length === 0) delete r.dns;
    expect(got).toEqual(want);
  });

  it("an unknown CNI_ARGS key without IgnoreUnknown (a typo of IP=) fails in both, ours with 4 and Go's with 999, the same message; with IgnoreUnknown=1 both succeed", () => {
    const c = netns();
    expect(ours("ADD", conf(), c, "ip=10.20.0.5/16").json).toMatchObject({ code: 4, msg: 'ARGS: unknown args ["ip=10.20.0.5/16"]' });
    expect(go("ADD", conf(), c, "ip=10.20.0.5/16").json).toMatchObject({ code: 999, msg: 'ARGS: unknown args ["ip=10.20.0.5/16"]' });
    ok(ours("ADD", conf(), c, "IgnoreUnknown=1;ip=10.20.0.5/16"));
    ok(go("ADD", conf(), c, "IgnoreUnknown=1;ip=10.20.0.5/16"));
    ok(ours("DEL", conf(), c, "ip=10.20.0.5/16")); // DEL ignores CNI_ARGS: it always cleans up
  });

  it("CHECK with the ADD result succeeds in both", () => {
    const c = netns();
    const prev = ok(go("ADD", conf(), c));
    ok(go("CHECK", { ...conf(), prevResult: prev }, c));
    ok(ours("CHECK", { ...conf(), prevResult: prev }, c));
  });
});
