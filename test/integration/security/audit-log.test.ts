// The audit log through the host binary, as a runtime execs it: a real bridge ADD and DEL
// (host-local in process) inside test-made namespaces, each one JSON line with every host
// call, its arguments and outcome; denials recorded; the policy's auditLog key; fail closed.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditLine } from "../../../host/runtime/audit";
import { cniExec } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { tempDir, writePolicy } from "../../helpers/hostile";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { buildSuitePlugins, network, ok, pluginBinary } from "../plugins/attach-fixture";

let bridgeDir: string;
let fixtureDir: string;

beforeAll(async () => {
  bridgeDir = await buildSuitePlugins("bridge");
  fixtureDir = await buildFixtures(["greedy"]);
}, 180_000);

const netns = netnsPerTest();
const tmpFile = (name: string): string => join(tempDir("audit"), name);
const readLines = (path: string): AuditLine[] =>
  readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as AuditLine);
const meta = (dir: string, plugin: string): { sha256: string } => JSON.parse(readFileSync(join(dir, plugin, "meta.json"), "utf8"));

describe("audit log of a bridge ADD and DEL", () => {
  it("writes one line per call with every link, addr and route call, its arguments and outcome", () => {
    const host = netns("h"), c = netns("c"), net = network("audit");
    const log = tmpFile("audit.jsonl");
    const binary = pluginBinary("bridge");
    const config = {
      cniVersion: "1.1.0", name: net.name, type: "bridge", bridge: "cni0", isGateway: true,
      ipam: { type: "host-local", dataDir: net.dataDir, ranges: [[{ subnet: "10.77.0.0/24" }]], routes: [{ dst: "0.0.0.0/0" }] },
    };
    const call = (command: "ADD" | "DEL") => cniExec({
      binary, command, config, inNetns: host.name, containerId: "ctr-audit", ifname: "eth0", netns: c.path,
      env: { WASM_CNI_PLUGIN_DIR: bridgeDir, WASM_CNI_AUDIT_LOG: log },
    });
    ok(call("ADD"));
    ok(call("DEL"));

    const [add, del, ...rest] = readLines(log);
    expect(rest).toEqual([]);
    for (const [line, verb] of [[add, "ADD"], [del, "DEL"]] as const) {
      expect(line).toMatchObject({
        plugin: "bridge", verb, containerId: "ctr-audit", netns: c.path, ifname: "eth0", network: net.name, code: 0, denials: [],
        sha256: meta(bridgeDir, "bridge").sha256,
        components: { bridge: meta(bridgeDir, "bridge").sha256, "host-local": meta(bridgeDir, "host-local").sha256 },
      });
      expect(Date.parse(line!.time)).toBeGreaterThan(Date.now() - 120_000);
      expect(line!.durationMs).toBeGreaterThan(0);
      for (const k of line!.calls) {
        expect(k).toEqual({ plugin: expect.any(String), fn: expect.any(String), args: expect.any(Array), outcome: expect.any(String), ms: expect.any(Number) });
      }
    }
    const fns = (l: AuditLine | undefined, plugin: string) => l!.calls.filter((k) => k.plugin === plugin).map((k) => k.fn);
    // ADD: the bridge and the veth pair made, the address and routes set, IPAM in the same line.
    type Spec = { name: string; kind: { tag: string; val?: { name?: string } } };
    const created = add!.calls.filter((k) => k.fn === "link.create" && k.outcome === "ok").map((k) => k.args[1] as Spec);
    expect(created.map((l) => l.name)).toContain("cni0");
    expect(created.find((l) => l.kind.tag === "veth")?.kind.val?.name).toMatch(/^veth[0-9a-f]{8}$/);
    expect(add!.calls.find((k) => k.fn === "addr.add" && k.args[2] === "10.77.0.1/24")).toMatchObject({ outcome: "ok" });
    expect(add!.calls.find((k) => k.fn === "addr.add" && k.args[1] === "eth0")).toMatchObject({ outcome: "ok", args: [expect.any(Number), "eth0", "10.77.0.2/24", expect.anything()] });
    const route = add!.calls.find((k) => k.fn.startsWith("route.") && (k.args[1] as { dst: string }).dst === "0.0.0.0/0");
    expect(route).toMatchObject({ outcome: "ok", args: [expect.any(Number), expect.objectContaining({ gw: "10.77.0.1" })] });
    expect(fns(add, "bridge")).toEqual(expect.arrayContaining(["netns.container", "netns.host", "link.set", "sysctl.set", "ipam.add"]));
    expect(fns(add, "host-local")).toEqual(expect.arrayContaining(["store.open", "store.put"]));
    // netns ids resolve to namespaces: eth0 was made in the container's, cni0 in the host's.
    const ns = (id: unknown) => add!.namespaces[String(id)];
    expect(ns(add!.calls.find((k) => k.fn === "addr.add" && k.args[1] === "eth0")?.args[0])).toBe("container");
    expect(ns(add!.calls.find((k) => k.fn === "link.create" && (k.args[1] as Spec).name === "cni0")?.args[0])).toBe("host");
    // DEL: the container's link deleted, the address released in host-local's store.
    expect(del!.calls.find((k) => k.fn === "link.delete")).toMatchObject({ args: [expect.any(Number), "eth0"] });
    expect(fns(del, "bridge")).toContain("ipam.del");
    expect(fns(del, "host-local")).toContain("store.remove");
    // Every kernel change is listed: the outcome of each is ok or a WIT error, never missing.
    for (const k of [...add!.calls, ...del!.calls]) expect(k.outcome).toMatch(/^(ok|not-found|exists|denied|invalid|netns-gone|kernel|err|bug)\b/);
  });
});

describe("a delegation outside the grant", () => {
  // bridge's grant delegates to host-local and static only: loopback as its IPAM is refused
  // by ipam.add with a cni-error the plugin passes on (not a trap), and audited as a denial.
  it("bridge with ipam.type loopback fails with 999 naming the grant, leaves no link, and the audit line holds the denial", () => {
    const host = netns("h"), c = netns("c"), net = network("deleg");
    const log = tmpFile("audit.jsonl");
    const links = (ns: TestNetns) => ns.exec("ip", ["-j", "link", "show"]);
    const before = [links(host), links(c)];
    const r = cniExec({
      binary: pluginBinary("bridge"), command: "ADD", inNetns: host.name, containerId: "ctr-deleg", ifname: "eth0", netns: c.path,
      config: { cniVersion: "1.1.0", name: net.name, type: "bridge", bridge: "deleg0", ipam: { type: "loopback" } },
      env: { WASM_CNI_PLUGIN_DIR: bridgeDir, WASM_CNI_AUDIT_LOG: log },
    });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/may not delegate to "loopback"/) });
    expect(r.stderr).not.toMatch(/trapped|not a u32/);
    expect([links(host), links(c)]).toEqual(before);
    const [line] = readLines(log);
    expect(line!.denials).toEqual([{ plugin: "bridge", fn: "ipam.add", reason: expect.stringMatching(/may not delegate to "loopback"/) }]);
  });
});

describe("audit log of refused plugins", () => {
  // Not runHostile: these calls choose where the audit log goes, or that there is none.
  const greedy = (policy: string, extraEnv: Record<string, string> = {}) => {
    const c = netns("c");
    return cniExec({
      binary: HOST_BIN, command: "ADD", containerId: "ctr-greedy", netns: c.path, ifname: "eth0",
      config: { cniVersion: "1.1.0", name: "hostile", type: "wasm-cni", plugin: "greedy" },
      env: { WASM_CNI_PLUGIN_DIR: fixtureDir, WASM_CNI_POLICY: policy, ...extraEnv },
    });
  };

  it("a host call answered denied is a denial in the line, with the plugin's error code", () => {
    const log = tmpFile("audit.jsonl");
    const r = greedy(writePolicy({ greedy: { interfaces: ["netns", "link"] } }), { WASM_CNI_AUDIT_LOG: log });
    expect(r.code).toBe(1);
    const [line] = readLines(log);
    expect(line).toMatchObject({ plugin: "greedy", verb: "ADD", code: 100 });
    expect(line!.calls).toEqual([expect.objectContaining({ fn: "netns.host", args: [], outcome: expect.stringMatching(/^denied: /) })]);
    expect(line!.denials).toEqual([{ plugin: "greedy", fn: "netns.host", reason: 'plugin "greedy" is not granted the host network namespace' }]);
  });

  it("a component importing what its grant lacks is a load denial, written where the policy's auditLog says", () => {
    const log = tmpFile("audit.jsonl");
    const r = greedy(writePolicy({ greedy: { interfaces: ["netns"] } }, { auditLog: log }));
    expect(r.code).toBe(1);
    const [line] = readLines(log);
    expect(line).toMatchObject({ plugin: "greedy", code: 999, calls: [], error: expect.stringMatching(/imports cni:host\/link/) });
    expect(line!.denials).toEqual([{ plugin: "greedy", fn: "load", reason: expect.stringMatching(/^plugin "greedy" imports cni:host\/link, which its grant does not allow/) }]);
  });

  it("an audit log that cannot be opened fails the call with 999 before the plugin runs", () => {
    const blocker = tmpFile("file");
    writeFileSync(blocker, "");
    const r = greedy(writePolicy({ greedy: { interfaces: ["netns", "link"] } }), { WASM_CNI_AUDIT_LOG: join(blocker, "audit.jsonl") });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/^audit log .* cannot be opened/) });
    expect(existsSync(join(blocker, "audit.jsonl"))).toBe(false);
  });

  it("without WASM_CNI_AUDIT_LOG or auditLog nothing is written and the call is unchanged", () => {
    const r = greedy(writePolicy({ greedy: { interfaces: ["netns", "link"] } }));
    expect(r.json).toMatchObject({ code: 100 });
  });
});
