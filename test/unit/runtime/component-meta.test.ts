// meta.json is read as an input: its file names stay in the plugin's folder.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readMeta } from "../../../host/runtime/component-meta";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

let source: string;
beforeAll(async () => {
  source = join(await buildPluginUnderTest("loopback"), "loopback");
}, 120_000);

function withMeta(change: (meta: Record<string, unknown>) => unknown, text?: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "meta-")), "loopback");
  cpSync(source, dir, { recursive: true });
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "meta.json"), text ?? JSON.stringify(change(meta)));
  return dir;
}

describe("runtime/component-meta: readMeta", () => {
  it("reads a built plugin's meta.json", () => {
    expect(readMeta(source)).toMatchObject({ name: "loopback", main: "loopback.core.wasm", component: "loopback.wasm" });
  });

  it.each([
    ["main", "../x.wasm"], ["main", "/etc/passwd"], ["main", ".."], ["main", "a/b.wasm"], ["component", "../../y.wasm"], ["component", "."],
  ])("refuses %s %j: not a plain file name in the plugin's folder", (field, value) => {
    const dir = withMeta((m) => ({ ...m, [field]: value }));
    expect(() => readMeta(dir)).toThrow(new RegExp(`meta\\.json: field "${field}" must be a plain file name in the plugin's folder`));
  });

  it("refuses a main module that is not among coreModules, and a core module path that leaves the folder", () => {
    expect(() => readMeta(withMeta((m) => ({ ...m, main: "other.wasm" })))).toThrow(/field "main" must be one of coreModules/);
    expect(() => readMeta(withMeta((m) => ({ ...m, coreModules: { "../x.wasm": "0".repeat(64) } })))).toThrow(/coreModules/);
  });

  it("refuses a meta.json that is not JSON, naming the file", () => {
    expect(() => readMeta(withMeta(() => undefined, "{ not json"))).toThrow(/meta\.json/);
  });
});
