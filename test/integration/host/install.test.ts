// A third party's component, installed with `wasm-cni install` and granted with the policy
// entry it prints (pinned), runs through bin/wasm-cni: loopback's component, under a name of
// its own, sets lo up in a test netns. Under that pin only the code of that very component
// runs: swapping any file beside it (meta.json, each core module) gets the call refused (999,
// a load denial in the audit log) before anything runs, lo stays down. A component lying in
// the plugin directory but not installed gets an error with the command that installs it;
// `uninstall` takes the plugin out again.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { InstallReport } from "../../../host/cli/install";
import type { AuditLine } from "../../../host/runtime/audit";
import type { ComponentMeta } from "../../../host/runtime/component-meta";
import { MANIFEST_SECTION } from "../../../host/runtime/manifest";
import { cniExec } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildFixtures, buildPluginUnderTest } from "../../helpers/plugin-under-test";
import { withoutCustomSection } from "../../helpers/without-custom-section";

const newNetns = netnsPerTest();
const NAME = "third-lo";
let component: string;
let impostorCore: Buffer;
const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-install-"));
const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

beforeAll(async () => {
  // As a third party ships it: the component file alone, under a name of its own (so without
  // the manifest loopback now carries, which names it after a plugin with a built-in grant).
  component = join(tmp(), `${NAME}.wasm`);
  writeFileSync(component, withoutCustomSection(readFileSync(join(await buildPluginUnderTest("loopback"), "loopback.wasm")), MANIFEST_SECTION));
  impostorCore = readFileSync(join(await buildFixtures(["impostor"]), "impostor", "impostor.core.wasm"));
}, 120_000);

function wasmCni(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(HOST_BIN, args, { encoding: "utf8", env: { ...ENV, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `wasm-cni install --json` into a new plugin directory; returns it and the report. */
function install(): { dir: string; report: InstallReport } {
  const dir = tmp();
  const r = wasmCni(["install", component, "--plugin-dir", dir, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return { dir, report: JSON.parse(r.stdout) as InstallReport };
}

/** A policy file holding the entry install printed. */
function policyOf(report: InstallReport): string {
  const path = join(tmp(), "policy.json");
  writeFileSync(path, JSON.stringify({ plugins: report.policy }));
  return path;
}

function add(dir: string, policy: string, ns: TestNetns) {
  const audit = join(tmp(), "audit.jsonl");
  const r = cniExec({
    binary: HOST_BIN, command: "ADD", containerId: "i", netns: ns.path, ifname: "eth0",
    config: { cniVersion: "1.1.0", name: "installnet", type: "wasm-cni", plugin: NAME },
    env: { WASM_CNI_PLUGIN_DIR: dir, WASM_CNI_POLICY: policy, WASM_CNI_AUDIT_LOG: audit, WASM_CNI_PRESTART_DIR: "off" },
  });
  return { ...r, audit: (): AuditLine => JSON.parse(readFileSync(audit, "utf8").trim().split("\n").pop() ?? "{}") as AuditLine };
}

/** A container netns with lo down, as a runtime makes it (loopback's ADD sets it up). */
function container(prefix: string): TestNetns {
  const ns = newNetns(prefix);
  execFileSync("ip", ["-n", ns.name, "link", "set", "lo", "down"]);
  return ns;
}
const loUp = (ns: TestNetns): boolean => ipJson<{ flags: string[] }[]>(ns, ["link", "show", "lo"])[0]?.flags.includes("UP") ?? false;

const metaPath = (dir: string): string => join(dir, NAME, "meta.json");
const readMetaJson = (dir: string): ComponentMeta => JSON.parse(readFileSync(metaPath(dir), "utf8")) as ComponentMeta;
const rewriteMeta = (dir: string, change: (m: ComponentMeta) => ComponentMeta): void => writeFileSync(metaPath(dir), JSON.stringify(change(readMetaJson(dir))));
const core = (dir: string, n: string): string => join(dir, NAME, `${NAME}.core${n}.wasm`);

/** Every file beside the component, swapped: each leaves a pinned call refused before it runs. */
const SWAPS: [string, (dir: string) => void, RegExp][] = [
  ["meta.json naming a shim as the main module", (dir) => rewriteMeta(dir, (m) => ({ ...m, main: `${NAME}.core2.wasm` })),
    /the main core module it would run \(third-lo\.core2\.wasm\) is a shim of its component third-lo\.wasm, not its main module/],
  ["meta.json naming another plugin's module beside it as the main module", (dir) => {
    writeFileSync(join(dir, NAME, "impostor.core.wasm"), impostorCore);
    rewriteMeta(dir, (m) => ({ ...m, main: "impostor.core.wasm", coreModules: { ...m.coreModules, "impostor.core.wasm": "0".repeat(64) } }));
  }, /the main core module it would run \(impostor\.core\.wasm\) is not one of the core modules of its component/],
  ["meta.json with fewer imports", (dir) => rewriteMeta(dir, (m) => ({ ...m, imports: ["cni:host/netns"] })), /meta\.json's imports \(netns\) are not its component's/],
  ["meta.json naming another component", (dir) => {
    writeFileSync(join(dir, "other.wasm"), readFileSync(component).subarray(0, 100));
    rewriteMeta(dir, (m) => ({ ...m, component: "other.wasm" }));
  }, /is pinned to sha256 [0-9a-f]{64}, but its component other\.wasm has [0-9a-f]{64}/],
  ["the main core module", (dir) => writeFileSync(core(dir, ""), impostorCore), /the main core module it would run \(third-lo\.core\.wasm\) is not one of the core modules/],
  ["the second core module (a shim)", (dir) => writeFileSync(core(dir, "2"), impostorCore), /the core module third-lo\.core2\.wasm beside it is not one of the core modules of its component/],
  ["the third core module (a shim)", (dir) => writeFileSync(core(dir, "3"), impostorCore), /the core module third-lo\.core3\.wasm beside it is not one of the core modules of its component/],
  ["the third core module, with a copy of the second (both the component's)", (dir) => writeFileSync(core(dir, "3"), readFileSync(core(dir, "2"))),
    /the 3 core modules meta\.json lists are not the 3 of its component third-lo\.wasm, one file each/],
];

describe("wasm-cni install: a received component runs, pinned, through bin/wasm-cni", () => {
  it("install prints the imports, the manifest and a pinned policy entry; granted with it, the plugin runs; uninstall takes it out", () => {
    const text = wasmCni(["install", component, "--plugin-dir", tmp()]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/installed plugin "third-lo" in /);
    expect(text.stdout).toMatch(/imports +cni:host\/addr, cni:host\/link, cni:host\/netns/);
    expect(text.stdout).toMatch(/manifest +\(none\)/);
    expect(text.stdout).toMatch(/\n {2}"third-lo": \{\n {4}"interfaces": \["addr", "link", "netns"\],\n {4}"sha256": "[0-9a-f]{64}"\n {2}\}\n/);

    const { dir, report } = install();
    expect(report.policy).toEqual({ [NAME]: { interfaces: ["addr", "link", "netns"], sha256: report.sha256 } });
    const policy = policyOf(report);
    const ns = container("inst");
    const r = add(dir, policy, ns);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject({ interfaces: [{ name: "lo" }] });
    expect(loUp(ns)).toBe(true);
    const inspect = wasmCni(["inspect", NAME], { WASM_CNI_PLUGIN_DIR: dir, WASM_CNI_POLICY: policy });
    expect(inspect.stdout).toMatch(/\(matches\)/);
    expect(inspect.stdout).toMatch(/sha256 pin .*allowed/);

    const un = wasmCni(["uninstall", NAME, "--plugin-dir", dir]);
    expect(un.code, un.stderr).toBe(0);
    expect(un.stdout).toMatch(/uninstalled plugin "third-lo"/);
    expect(readdirSync(dir)).toEqual([]);
    const gone = add(dir, policy, container("instgone"));
    expect(gone.json).toMatchObject({ code: 7, msg: `no Wasm plugin "${NAME}" in ${dir} (available: none)` });
  });

  it.each(SWAPS)("%s swapped: the pinned call is refused before it runs (999, a load denial), lo stays down", (_what, swap, why) => {
    const { dir, report } = install();
    swap(dir);
    const ns = container("instswap");
    const r = add(dir, policyOf(report), ns);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(/impostor-ran/);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(why) });
    expect(r.audit()).toMatchObject({ plugin: NAME, code: 999, denials: [{ plugin: NAME, fn: "load", reason: expect.stringMatching(why) }] });
    expect(loUp(ns)).toBe(false);
    const inspect = wasmCni(["inspect", NAME], { WASM_CNI_PLUGIN_DIR: dir, WASM_CNI_POLICY: policyOf(report) });
    expect(inspect.stdout).toMatch(/sha256 pin .*denied/);
  });

  it("a component in the plugin directory but not installed: the error gives the install command, which makes it run", () => {
    const dir = tmp();
    copyFileSync(component, join(dir, `${NAME}.wasm`));
    const ns = container("instnot");
    const r = add(dir, join(dir, "none.json"), ns);
    expect(r.json).toMatchObject({ code: 7, msg: expect.stringMatching(/its component third-lo\.wasm is there, but not installed/) });
    const command = /`wasm-cni (install [^`]+)`/.exec((r.json as { msg: string }).msg)?.[1];
    expect(command).toBe(`install ${dir}/${NAME}.wasm --name ${NAME} --plugin-dir ${dir}`);
    const installed = wasmCni([...command!.split(" "), "--json"]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(add(dir, policyOf(JSON.parse(installed.stdout) as InstallReport), ns).code).toBe(0);
    expect(loUp(ns)).toBe(true);
  });

  it("install refuses what is not a plugin (exit 1, one line on stderr) and bad usage (exit 2), writing nothing", () => {
    const dir = tmp();
    const coreModule = join(tmp(), "x.wasm");
    writeFileSync(coreModule, impostorCore);
    const r = wasmCni(["install", coreModule, "--plugin-dir", dir]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toMatch(/^wasm-cni install: \S+x\.wasm is not a plugin of this host: a core WebAssembly module, not a component/);
    expect(wasmCni(["install", "--plugin-dir", dir]).code).toBe(2);
    expect(wasmCni(["install", component, "--nme", "x"]).stderr).toMatch(/install: unknown option --nme/);
    expect(readdirSync(dir)).toEqual([]);
    const un = wasmCni(["uninstall", "nope", "--plugin-dir", dir]);
    expect(un).toMatchObject({ code: 1, stderr: `wasm-cni uninstall: no installed plugin "nope" in ${dir} (installed: none)\n` });
  });
});
