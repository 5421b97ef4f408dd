// inspect reads an installed plugin (meta.json + its component) or a bare component file and
// compares what it asks for with what the policy grants.
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capabilityChecks } from "../../../host/cli/inspect-checks";
import { inspectReport, renderInspectReport } from "../../../host/cli/inspect-report";
import { appendCustomSection } from "../../../host/runtime/component-binary";
import { embedManifest, MANIFEST_SECTION } from "../../../host/runtime/manifest";
import { DEFAULT_LIMITS, type Grant } from "../../../host/runtime/policy";
import { ROOT } from "../../helpers/fixtures";
import { withoutCustomSection } from "../../helpers/without-custom-section";

// The installed plugins of `npm run build` (build/plugins-under-test keeps no component file).
const pluginDir = join(ROOT, "dist/plugins");

const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-inspect-"));
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const grant = (g: Partial<Grant> & { interfaces: string[] }): Grant => ({ hostNetns: false, delegates: [], linkKinds: [], sysctlKeys: [], ...DEFAULT_LIMITS, ...g });
const BRIDGE_IMPORTS = ["addr", "firewall", "ipam", "link", "netns", "route", "sysctl"];

describe("inspect of an installed plugin", () => {
  it("bridge under its built-in grant: imports from meta.json, sha256 verified, its manifest is its grant, nothing denied", () => {
    const r = inspectReport("bridge", { pluginDir, policy: () => ({}) });
    const manifest = JSON.parse(readFileSync(join(ROOT, "guest-plugins/bridge/manifest.json"), "utf8"));
    expect(r).toMatchObject({ name: "bridge", source: "installed", version: "0.1.0", world: "plugin", manifest, imports: BRIDGE_IMPORTS, sha256Matches: true });
    expect(r.manifestGrantDiffers).toEqual([]);
    expect(r.sha256).toBe(sha256(readFileSync(join(pluginDir, "bridge.wasm"))));
    expect(r.grant).toMatchObject({ source: "built-in", hostNetns: true, delegates: ["host-local", "static"] });
    expect(r.denied).toEqual([]);
    expect(r.declaredMemoryPages).toBe(256);
    expect(r.checks.find((c) => c.capability === "memoryPages")).toMatchObject({ requested: "256", granted: "256 (16 MiB)", outcome: "allowed" });
    const text = renderInspectReport(r);
    expect(text).toMatch(/Nothing it imports would be denied/);
    expect(text.replace(/\s+/g, "")).toContain("(thegrantisexactlywhatitstates)");
    // Its sysctl patterns are checked as the keys they stand for: allowed, like the calls they cover.
    expect(r.checks.find((c) => c.capability === "sysctl net.ipv6.conf.*.accept_ra")).toMatchObject({ outcome: "allowed" });
    expect(r.grant).toMatchObject({ linkKinds: ["bridge", "veth"], sysctlKeys: expect.arrayContaining(["net.ipv4.ip_forward"]), memoryPages: 256 });
    expect(text.replace(/\s+/g, " ")).toMatch(/linkKinds bridge, veth; sysctlKeys net\.ipv4\.ip_forward, .*; memoryPages 256;/);
  });

  it("a policy narrower than the plugin's imports shows each denial, how the plugin sees it, and that the grant is not the manifest's", () => {
    const builtin = inspectReport("bridge", { pluginDir, policy: () => ({}) }).grant!;
    const policy = { bridge: { ...builtin, interfaces: builtin.interfaces.filter((i) => i !== "sysctl") } };
    const r = inspectReport("bridge", { pluginDir, policy: () => policy });
    expect(r.grant?.source).toBe("policy");
    expect(r.denied).toEqual(["import cni:host/sysctl: not in the grant's interfaces: the plugin fails to load"]);
    expect(r.manifestGrantDiffers).toEqual(["interfaces"]);
    const text = renderInspectReport(r);
    expect(text).toMatch(/Denied \(1\):/);
    expect(text.replace(/\s+/g, "")).toContain("(thegrantdiffersininterfaces)");
  });

  it("a plugin without a manifest that loses the host netns is limited, not denied: it never stated the need", () => {
    const file = join(tmp(), "bridge.wasm");
    writeFileSync(file, withoutCustomSection(readFileSync(join(pluginDir, "bridge.wasm")), MANIFEST_SECTION));
    const r = inspectReport(file, { pluginDir, policy: () => ({ bridge: grant({ interfaces: BRIDGE_IMPORTS }) }) });
    expect(r.manifest).toBeNull();
    expect(r.manifestGrantDiffers).toBeUndefined();
    expect(r.checks.find((c) => c.capability === "hostNetns")).toMatchObject({ outcome: "limited", granted: "false" });
  });

  it("a manifest's sysctl pattern is allowed only by a grant that covers it on every interface", () => {
    const stated = { name: "p", capabilities: { sysctl: ["net.ipv6.conf.*.accept_ra", "net.*.*"] } };
    const checkOf = (sysctlKeys: string[], key: string) =>
      capabilityChecks(["sysctl"], stated, grant({ interfaces: ["sysctl"], sysctlKeys }), 1).find((c) => c.capability === `sysctl ${key}`);
    expect(checkOf(["net.ipv6.conf.*.accept_ra"], "net.ipv6.conf.*.accept_ra")).toMatchObject({ outcome: "allowed" });
    expect(checkOf(["net.ipv6.conf.eth0.accept_ra"], "net.ipv6.conf.*.accept_ra"))
      .toMatchObject({ outcome: "denied", note: expect.stringMatching(/do not cover it on every interface/) });
    expect(checkOf(["net.*.*"], "net.*.*")).toMatchObject({ outcome: "denied", note: expect.stringMatching(/not on the host's allowlist/) });
  });

  it("a component changed since the build is flagged: its sha256 differs from meta.json's", () => {
    const dir = tmp();
    cpSync(pluginDir, dir, { recursive: true });
    const file = join(dir, "bridge.wasm");
    writeFileSync(file, appendCustomSection(readFileSync(file), "x", Buffer.from("tampered")));
    const r = inspectReport("bridge", { pluginDir: dir, policy: () => ({}) });
    expect(r.sha256Matches).toBe(false);
    expect(renderInspectReport(r)).toMatch(/DIFFERS/);
  });

  it("an unknown plugin fails, listing what is installed", () => {
    expect(() => inspectReport("nope", { pluginDir, policy: () => ({}) })).toThrow(/no Wasm plugin "nope".*bridge/);
  });
});

describe("inspect of a bare component", () => {
  const manifest = {
    name: "my-plugin",
    version: "0.3.0",
    capabilities: {
      hostNetns: true, linkKinds: ["veth", "geneve"], sysctl: ["net.ipv4.ip_forward", "kernel.panic"],
      delegates: ["host-local", "evil"], timeLimitMs: 20_000,
    },
  };

  it("reads imports and manifest from the bytes and lists what the policy would deny", () => {
    const file = join(tmp(), "x.wasm");
    writeFileSync(file, embedManifest(readFileSync(join(pluginDir, "bridge.wasm")), manifest));
    const policy = {
      "my-plugin": grant({ interfaces: BRIDGE_IMPORTS, delegates: ["host-local"], linkKinds: ["bridge"], sysctlKeys: ["net.ipv4.ip_forward", "kernel.*"] }),
    };
    const r = inspectReport(file, { pluginDir, policy: () => policy });
    expect(r).toMatchObject({ name: "my-plugin", source: "file", version: "0.3.0", imports: BRIDGE_IMPORTS, manifest });
    expect(r.sha256).toBe(sha256(readFileSync(file)));
    expect(r.builtSha256).toBeUndefined();
    expect(r.denied).toEqual([
      "hostNetns: netns.host() returns denied: the container's namespace only",
      "delegate evil: ipam.* to evil returns denied",
      "sysctl kernel.panic: sysctl.get/set return denied (not on the host's allowlist)",
      "link kind veth: link.create returns denied (not in the grant's linkKinds)",
      "link kind geneve: link.create cannot make this kind (not in WIT link-kind)",
    ]);
    expect(r.checks.find((c) => c.capability === "sysctl net.ipv4.ip_forward")?.outcome).toBe("allowed");
    expect(r.checks.find((c) => c.capability === "linkKinds")).toMatchObject({ requested: "veth, geneve", granted: "bridge", outcome: "limited" });
    expect(r.checks.find((c) => c.capability === "memoryPages")).toMatchObject({ requested: "(not read)", granted: "256 (16 MiB)" });
    expect(r.checks.find((c) => c.capability === "timeLimitMs")).toMatchObject({ outcome: "limited", requested: "20000", granted: "5000" });
  });

  it("without a manifest or a grant, the name comes from the file and every call is denied", () => {
    const file = join(tmp(), "stranger.wasm");
    writeFileSync(file, withoutCustomSection(readFileSync(join(pluginDir, "bridge.wasm")), MANIFEST_SECTION));
    const r = inspectReport(file, { pluginDir, policy: () => ({}) });
    expect(r).toMatchObject({ name: "stranger", manifest: null, grant: null });
    expect(r.denied).toEqual([expect.stringMatching(/^grant: no grant .*deny by default/)]);
    expect(renderInspectReport(r)).toMatch(/manifest +no manifest/);
  });

  it("a broken manifest is reported, not trusted", () => {
    const file = join(tmp(), "bad.wasm");
    writeFileSync(file, appendCustomSection(readFileSync(join(pluginDir, "bridge.wasm")), MANIFEST_SECTION, Buffer.from("{nope")));
    const r = inspectReport(file, { pluginDir, policy: () => ({}) });
    expect(r.manifest).toBeNull();
    expect(r.manifestError).toMatch(/not JSON/);
    expect(r.name).toBe("bad");
  });
});
