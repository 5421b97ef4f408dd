// `wasm-cni caps` and `wasm-cni inspect` through the binary, as a reviewer runs them by hand;
// and a plugin folder's manifest.json embedded by the build, read back by inspect.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CapsReport } from "../../../host/cli/caps-report";
import type { InspectReport } from "../../../host/cli/inspect-report";
import { CATALOG } from "../../../host/caps/catalog";
import { buildPlugin } from "../../../tools/plugin-build";
import { HOST_BIN, ROOT } from "../../helpers/fixtures";

function wasmCni(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(HOST_BIN, args, { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("wasm-cni caps", () => {
  it("--json lists every host function of the catalog with its risk, grouped by interface", () => {
    const r = wasmCni(["caps", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as CapsReport;
    expect(report.interfaces.map((i) => i.name)).toEqual(["netns", "link", "addr", "route", "rule", "sysctl", "firewall", "store", "log", "ipam", "dns", "qdisc", "neigh"]);
    expect(report.interfaces.flatMap((i) => i.functions.map((f) => f.fn)).sort()).toEqual(Object.keys(CATALOG).sort());
    for (const f of report.interfaces.flatMap((i) => i.functions)) expect(f).toEqual(expect.objectContaining({ risk: expect.any(String), scope: expect.any(String), changes: expect.any(String) }));
  });

  it("prints a table per interface without --json", () => {
    const r = wasmCni(["caps"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cni:host\/link \(risk high; world plugin, controller\)/m);
    expect(r.stdout).toMatch(/^FUNCTION +RISK +CHANGES +SCOPE +SCOPE FROM$/m);
    expect(r.stdout).toMatch(/^netns\.host +high .* grant$/m);
    expect(r.stdout).toMatch(/^netns\.host +high /m);
  });

  it("an unknown command is exit 2 with the usage; CNI_COMMAND set means a CNI call, not a command", () => {
    expect(wasmCni(["nope"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/usage: wasm-cni caps/) });
    const cni = wasmCni(["caps"], { CNI_COMMAND: "VERSION" });
    expect(cni.code).toBe(0);
    expect(JSON.parse(cni.stdout)).toHaveProperty("supportedVersions");
  });
});

describe("wasm-cni inspect", () => {
  it("an installed plugin: name, sha256, imports, its manifest, the built-in grant the manifest states, nothing denied", () => {
    const r = wasmCni(["inspect", "bridge", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    const manifest = JSON.parse(readFileSync(join(ROOT, "guest-plugins/bridge/manifest.json"), "utf8"));
    expect(report).toMatchObject({
      name: "bridge", source: "installed", sha256Matches: true, version: "0.1.0", manifest, manifestGrantDiffers: [], denied: [],
      imports: ["addr", "firewall", "ipam", "link", "netns", "route", "sysctl"],
      grant: { source: "built-in", hostNetns: true, delegates: ["host-local", "static"] },
    });
    expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = wasmCni(["inspect", "bridge"]).stdout;
    expect(text).toMatch(/^grant +built-in: interfaces netns, link/m);
    expect(text.replace(/\s+/g, "")).toContain("(thegrantisexactlywhatitstates)");
  });

  it("a policy file that narrows the grant shows up as denials", () => {
    const policy = join(mkdtempSync(join(ROOT, "build", "policy-")), "policy.json");
    writeFileSync(policy, JSON.stringify({ plugins: { loopback: { interfaces: ["netns", "link"] } } }));
    const r = wasmCni(["inspect", "loopback", "--json"], { WASM_CNI_POLICY: policy });
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.denied).toEqual(["import cni:host/addr: not in the grant's interfaces: the plugin fails to load"]);
    expect(report.manifestGrantDiffers).toEqual(["interfaces"]);
  });

  it("a plugin folder's manifest.json is embedded by the build and read back from the bare component", async () => {
    const work = mkdtempSync(join(ROOT, "build", "manifest-"));
    const src = join(work, "src", "greedy");
    mkdirSync(join(work, "src"), { recursive: true });
    cpSync(join(ROOT, "test/fixtures/plugins/greedy"), src, { recursive: true });
    const manifest = { name: "greedy", version: "1.0.0", capabilities: { interfaces: ["netns", "link"], hostNetns: true } };
    writeFileSync(join(src, "manifest.json"), JSON.stringify(manifest));
    await buildPlugin(src, join(work, "out"), { root: ROOT });
    const r = wasmCni(["inspect", join(work, "out", "greedy.wasm"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report).toMatchObject({ name: "greedy", source: "file", version: "1.0.0", manifest, imports: ["link", "netns"], grant: null });
    expect(report.denied).toEqual([expect.stringMatching(/^grant: no grant/)]);
    // Installed (the folder beside the component), the same component still transpiles and loads.
    const installed = JSON.parse(wasmCni(["inspect", "greedy", "--json"], { WASM_CNI_PLUGIN_DIR: join(work, "out") }).stdout) as InspectReport;
    expect(installed).toMatchObject({ source: "installed", sha256Matches: true, version: "1.0.0" });
  }, 120_000);

  it("a missing file fails with one line on stderr, exit 1", () => {
    const r = wasmCni(["inspect", "/nonexistent/x.wasm"]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toMatch(/^wasm-cni inspect: ENOENT/);
  });
});
