// `wasm-cni install` turns a received component into the plugin folder the runtime reads, byte
// for byte the component's own core modules, and refuses anything that is not a plugin of this
// host's world; `uninstall` takes it out. Both leave no half plugin and no temp folder behind.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InstallError, installComponent, renderInstallReport, uninstallPlugin } from "../../../host/cli/install";
import { readComponentSections } from "../../../host/runtime/component-binary";
import { readMeta } from "../../../host/runtime/component-meta";
import { loadComponent } from "../../../host/runtime/load-component";
import { mainModuleIndex } from "../../../host/runtime/main-module";
import { embedManifest, MANIFEST_SECTION } from "../../../host/runtime/manifest";
import { withoutCustomSection } from "../../helpers/without-custom-section";
import { verifyPin } from "../../../host/runtime/pin";

// loopback's component without its manifest: a component of a name only its file gives.
const component = withoutCustomSection(readFileSync("dist/plugins/loopback.wasm"), MANIFEST_SECTION);
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const tmp = (): string => mkdtempSync(join(tmpdir(), "install-"));

/** `bytes` written to a temp file named `file`; returns its path. */
function file(bytes: Uint8Array, name = "third.wasm"): string {
  const path = join(tmp(), name);
  writeFileSync(path, bytes);
  return path;
}

/** The component with every `from` replaced by `to` (same length): a component of another make. */
function patched(from: string, to: string): Buffer {
  expect(to).toHaveLength(from.length);
  const out = Buffer.from(component);
  let at = out.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  for (; at >= 0; at = out.indexOf(from, at + 1)) out.write(to, at);
  return out;
}

describe("cli/install: installComponent", () => {
  it("writes <name>.wasm and <name>/ as the runtime reads them: the component's own modules, main first, meta.json valid", () => {
    const dir = tmp();
    const r = installComponent(file(component), { pluginDir: dir, name: "third" });
    expect(readdirSync(dir).sort()).toEqual(["third", "third.wasm"]); // no temp folder left
    expect(Buffer.compare(readFileSync(join(dir, "third.wasm")), component)).toBe(0);
    const meta = readMeta(join(dir, "third"));
    const { coreModules } = readComponentSections(component);
    const main = coreModules[mainModuleIndex(coreModules)]!;
    expect(meta).toMatchObject({ name: "third", world: "plugin", component: "third.wasm", sha256: sha256(component), main: "third.core.wasm" });
    expect(meta.imports).toEqual(["cni:host/addr", "cni:host/link", "cni:host/netns"]);
    expect(meta.exports).toEqual(["add", "check", "del", "gc", "status"]);
    expect(Buffer.compare(readFileSync(join(dir, "third", meta.main)), main)).toBe(0);
    expect(Object.keys(meta.coreModules)).toHaveLength(coreModules.length);
    for (const [f, h] of Object.entries(meta.coreModules)) {
      const bytes = readFileSync(join(dir, "third", f));
      expect(sha256(bytes)).toBe(h);
      expect(coreModules.some((m) => Buffer.compare(m, bytes) === 0)).toBe(true);
    }
    // The build's meta.json of the same component, but for the name and the component's sha256 (no manifest).
    const built = JSON.parse(readFileSync("dist/plugins/loopback/meta.json", "utf8")) as Record<string, unknown>;
    expect(JSON.stringify({ ...meta, sha256: built.sha256 }).replaceAll("third", "loopback")).toBe(JSON.stringify(built));
    expect(r).toMatchObject({
      name: "third", sha256: sha256(component), imports: ["addr", "link", "netns"], manifest: null, replaced: false,
      policy: { third: { interfaces: ["addr", "link", "netns"], sha256: sha256(component) } }, notes: [],
    });
  });

  it("the printed entry is the report's, as JSON an operator pastes into the plugins map", () => {
    const r = installComponent(file(embedManifest(component, { name: "my-lo", capabilities: { linkKinds: ["veth"] } })), { pluginDir: tmp() });
    const text = renderInstallReport(r);
    const block = /\n\n( {2}"my-lo": \{\n[^]*?\n {2}\})\n\n/.exec(text)?.[1];
    expect(JSON.parse(`{${block}}`)).toEqual(r.policy);
    expect(text).toMatch(/imports +cni:host\/addr, cni:host\/link, cni:host\/netns/);
    expect(text).toMatch(/manifest +\{"name":"my-lo","capabilities":\{"linkKinds":\["veth"\]\}\}/);
  });

  it("an installed plugin passes the pin on its printed sha256", () => {
    const dir = tmp();
    const r = installComponent(file(component), { pluginDir: dir, name: "third" });
    expect(() => verifyPin(loadComponent(join(dir, "third")), r.policy["third"]!.sha256)).not.toThrow();
  });

  it("names it after the manifest, and its policy entry asks what the manifest asks, leaving out what the host does not know", () => {
    const withManifest = embedManifest(component, {
      name: "my-lo", version: "1.2.3",
      capabilities: { interfaces: ["link"], hostNetns: true, linkKinds: ["veth", "frob"], sysctl: ["net.ipv4.ip_forward", "kernel.panic"], delegates: ["host-local"], timeLimitMs: 500 },
    });
    const dir = tmp();
    const r = installComponent(file(withManifest, "whatever.wasm"), { pluginDir: dir });
    expect(r.name).toBe("my-lo");
    expect(existsSync(join(dir, "my-lo", "meta.json"))).toBe(true);
    expect(r.policy).toEqual({ "my-lo": {
      interfaces: ["addr", "link", "netns"], hostNetns: true, delegates: ["host-local"], linkKinds: ["veth"],
      sysctlKeys: ["net.ipv4.ip_forward"], timeLimitMs: 500, sha256: sha256(withManifest),
    } });
    expect(r.notes.join("\n")).toMatch(/manifest lists interfaces link; the entry grants what the component imports: addr, link, netns/);
    expect(r.notes.join("\n")).toMatch(/link kinds .*: frob/);
    expect(r.notes.join("\n")).toMatch(/sysctl keys .*: kernel\.panic/);
  });

  it("without a manifest, names it after the file", () => {
    expect(installComponent(file(component, "third-party.wasm"), { pluginDir: tmp() }).name).toBe("third-party");
  });

  it.each([["Bad", "--name"], ["a/b", "--name"], ["..", "--name"], ["-x", "--name"]])("refuses the name %j", (name) => {
    const dir = tmp();
    expect(() => installComponent(file(component), { pluginDir: dir, name })).toThrow(/is not a valid plugin name \(lower-case letters/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a file name that is no plugin name asks for --name", () => {
    expect(() => installComponent(file(component, "My Plugin.wasm"), { pluginDir: tmp() })).toThrow(/"My Plugin" is not a valid plugin name .*--name/);
  });

  it("refuses to install over a plugin of the same name without --force; with it, replaces it", () => {
    const dir = tmp();
    installComponent(file(component), { pluginDir: dir, name: "third" });
    expect(() => installComponent(file(component), { pluginDir: dir, name: "third" })).toThrow(/a plugin "third" is already installed in .*uninstall it first, or replace it with --force/);
    const other = embedManifest(component, { name: "third", version: "2" });
    const r = installComponent(file(other), { pluginDir: dir, name: "third", force: true });
    expect(r.replaced).toBe(true);
    expect(readMeta(join(dir, "third")).sha256).toBe(sha256(other));
    expect(Buffer.compare(readFileSync(join(dir, "third.wasm")), other)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["third", "third.wasm"]);
  });

  it("installs a component lying in the plugin directory in place, but not over another component of that name", () => {
    const dir = tmp();
    writeFileSync(join(dir, "third.wasm"), component);
    expect(installComponent(join(dir, "third.wasm"), { pluginDir: dir }).name).toBe("third");
    const dir2 = tmp();
    writeFileSync(join(dir2, "third.wasm"), embedManifest(component, { name: "x" }));
    expect(() => installComponent(file(component), { pluginDir: dir2, name: "third" })).toThrow(/third\.wasm is already there, and is another component/);
  });

  it("refuses the name of a plugin with a built-in grant without --force (it would run under that grant with no policy entry)", () => {
    const dir = tmp();
    expect(() => installComponent(file(component, "loopback.wasm"), { pluginDir: dir })).toThrow(/"loopback" is the name of a plugin with a built-in grant/);
    expect(() => installComponent(file(embedManifest(component, { name: "bridge" })), { pluginDir: dir })).toThrow(/"bridge" is the name of a plugin with a built-in grant/);
    expect(readdirSync(dir)).toEqual([]);
    expect(installComponent(file(component), { pluginDir: dir, name: "loopback", force: true }).name).toBe("loopback");
  });

  it.each([
    ["a core module", () => readFileSync("dist/plugins/loopback/loopback.core.wasm"), /a core WebAssembly module, not a component/],
    ["not Wasm at all", () => Buffer.from("#!/bin/sh\necho hi\n"), /not a WebAssembly binary/],
    ["a truncated component", () => component.subarray(0, 1000), /runs past the end|unexpected end/],
    ["a component importing an interface this host lacks", () => patched("cni:host/link", "cni:host/lonk"), /it imports cni:host\/lonk, which this host does not provide/],
    ["a component of another version of the world", () => patched("@0.1.0", "@0.9.0"), /its main core module imports cni:host\/\S+@0\.9\.0#\S+.*which world "plugin" of this host does not have/],
    ["a component without the world's exports", () => patched("cabi_realloc", "cabi_reallox"), /none of its 3 core modules exports the functions of world "plugin"/],
  ])("refuses %s, and writes nothing", (_what, bytes, why) => {
    const dir = tmp();
    const path = file(bytes());
    let error: unknown;
    try {
      installComponent(path, { pluginDir: dir, name: "third" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InstallError);
    expect((error as Error).message).toMatch(new RegExp(`^${path.replace(/[.]/g, "\\.")} is not a plugin of this host: `));
    expect((error as Error).message).toMatch(why);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a missing file says so", () => {
    expect(() => installComponent("/nonexistent/x.wasm", { pluginDir: tmp() })).toThrow(/cannot read \/nonexistent\/x\.wasm/);
  });
});

describe("cli/install: uninstallPlugin", () => {
  it("removes <name>.wasm and <name>/, and nothing else", () => {
    const dir = tmp();
    installComponent(file(component), { pluginDir: dir, name: "third" });
    installComponent(file(component), { pluginDir: dir, name: "fourth" });
    expect(uninstallPlugin("third", dir).removed).toEqual([join(dir, "third"), join(dir, "third.wasm")]);
    expect(readdirSync(dir).sort()).toEqual(["fourth", "fourth.wasm"]);
  });

  it("an unknown name lists what is installed; a lone component says it was never installed", () => {
    const dir = tmp();
    installComponent(file(component), { pluginDir: dir, name: "fourth" });
    expect(() => uninstallPlugin("third", dir)).toThrow(/no installed plugin "third" in .* \(installed: fourth\)$/);
    writeFileSync(join(dir, "lone.wasm"), component);
    expect(() => uninstallPlugin("lone", dir)).toThrow(/lone\.wasm is there, but was never installed/);
    expect(() => uninstallPlugin("../x", dir)).toThrow(/is not a valid plugin name/);
  });

  it("refuses a folder that is no plugin (no meta.json)", () => {
    const dir = tmp();
    mkdirSync(join(dir, "data"));
    expect(() => uninstallPlugin("data", dir)).toThrow(/no installed plugin "data"/);
    expect(existsSync(join(dir, "data"))).toBe(true);
  });
});
