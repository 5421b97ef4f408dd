// Our reader of a component's import list must agree with jco's own parser (componentWit),
// for every plugin, since `inspect` trusts it for components nobody has installed yet.
import { componentWit } from "@bytecodealliance/jco";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendCustomSection, ComponentFormatError, readComponentSections } from "../../../host/runtime/component-binary";
import { ROOT } from "../../helpers/fixtures";

// The components of `npm run build` (build/plugins-under-test keeps no component file).
const dir = join(ROOT, "dist/plugins");
const PLUGINS = ["bridge", "host-local", "loopback", "ptp"];

describe("readComponentSections", () => {
  it.each(PLUGINS)("reads the same imports as jco's componentWit for %s", async (name) => {
    const bytes = readFileSync(join(dir, `${name}.wasm`));
    const wit = await componentWit(bytes);
    const fromJco = [...wit.matchAll(/^\s*import ([a-z0-9-]+:[a-z0-9-]+\/[a-z0-9-]+)(@[^;]*)?;/gm)].map((m) => m[1]).sort();
    expect(fromJco.length).toBeGreaterThan(0);
    expect(readComponentSections(bytes).imports).toEqual(fromJco);
  });

  it.each(PLUGINS)("finds %s's core modules, byte for byte the files jco extracted (what a pin checks the main module against)", (name) => {
    const modules = readComponentSections(readFileSync(join(dir, `${name}.wasm`))).coreModules;
    const meta = JSON.parse(readFileSync(join(dir, name, "meta.json"), "utf8")) as { coreModules: Record<string, string> };
    const files = Object.keys(meta.coreModules).map((f) => readFileSync(join(dir, name, f)));
    expect(modules).toHaveLength(files.length);
    for (const f of files) expect(modules.some((m) => Buffer.compare(m, f) === 0)).toBe(true);
  });

  it("finds a custom section appended at the top level", () => {
    const bytes = appendCustomSection(readFileSync(join(dir, "loopback.wasm")), "x:test", Buffer.from("hello"));
    const s = readComponentSections(bytes);
    expect(Buffer.from(s.custom.get("x:test") ?? []).toString()).toBe("hello");
    expect(s.imports).toContain("cni:host/link");
  });

  it("refuses a core module, naming what it is", () => {
    const core = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(() => readComponentSections(core)).toThrow(/core WebAssembly module, not a component/);
  });

  it("refuses bytes that are not WebAssembly, and a truncated component", () => {
    expect(() => readComponentSections(Buffer.from("#!/bin/sh\n"))).toThrow(ComponentFormatError);
    const bytes = readFileSync(join(dir, "loopback.wasm"));
    expect(() => readComponentSections(bytes.subarray(0, 200))).toThrow(ComponentFormatError);
  });
});
