// tools/plugin-build.ts: the same plugin source builds to the same component, byte for byte,
// whatever folder it is built in, so an author can publish a sha256 that anyone can reproduce
// and an operator can pin. Runs asc three times (a few seconds).
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlugin } from "../../../tools/plugin-build";
import { ROOT } from "../../helpers/fixtures";

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const utf16 = (s: string): Buffer => Buffer.from(s, "utf16le");
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

const MANIFEST = { name: "panic", version: "1.0.0", capabilities: { interfaces: ["log"] } };

/** A project as an author has it: the plugin folder, the SDK in node_modules, wit/, an asconfig.json extending the SDK's preset. */
function project(prefix: string): string {
  const base = mkdtempSync(join(tmpdir(), prefix));
  temps.push(base);
  cpSync(join(ROOT, "test/fixtures/plugins/panic"), join(base, "src/panic"), { recursive: true });
  writeFileSync(join(base, "src/panic/manifest.json"), JSON.stringify(MANIFEST, null, 2));
  cpSync(join(ROOT, "guest-plugins/sdk"), join(base, "node_modules/@wasm-cni/sdk"), { recursive: true });
  cpSync(join(ROOT, "wit"), join(base, "wit"), { recursive: true });
  writeFileSync(join(base, "asconfig.json"), JSON.stringify({ extends: "@wasm-cni/sdk/asconfig.plugin.json" }));
  return base;
}

async function build(base: string): Promise<Buffer> {
  const out = join(base, "out");
  mkdirSync(out, { recursive: true });
  await buildPlugin(join(base, "src/panic"), out, { root: base });
  return readFileSync(join(out, "panic.wasm"));
}

describe("a plugin build is reproducible whatever the folder", () => {
  it("the same source built in two folders of different path lengths has the same sha256, and no folder name in it", async () => {
    const a = project("pb-");
    const b = project("plugin-build-in-a-much-longer-folder-name-");
    const [wa, wb] = [await build(a), await build(b)];
    expect(sha256(wa)).toBe(sha256(wb));
    for (const base of [a, b]) {
      expect(wa.includes(utf16(base))).toBe(false);
      expect(wa.includes(Buffer.from(base))).toBe(false);
    }
    expect(wa.includes(utf16(tmpdir()))).toBe(false);
  });

  it("abort messages name the plugin's files relative to its folder and the SDK's as ~lib/@wasm-cni/sdk/...", async () => {
    const w = await build(project("pb-names-"));
    expect(w.includes(utf16("panic.ts"))).toBe(true);
    expect(w.includes(utf16("../"))).toBe(false);
    expect(w.includes(utf16("~lib/@wasm-cni/sdk/abi/result.ts"))).toBe(true);
  });

  it("an asconfig.json extending a file that is not there fails the build naming it, rather than building without the preset", async () => {
    const base = project("pb-config-");
    writeFileSync(join(base, "asconfig.json"), JSON.stringify({ extends: "./no-such-preset.json" }));
    await expect(build(base)).rejects.toThrow(/no-such-preset\.json: no such file/);
  });
});

describe("a controller folder builds for the world its manifest names", () => {
  it("peer-router (\"world\": \"controller\"): meta.json says controller, exports reconcile, imports what it calls", async () => {
    const out = mkdtempSync(join(tmpdir(), "pb-ctrl-"));
    temps.push(out);
    const meta = await buildPlugin(join(ROOT, "test/fixtures/plugins/peer-router"), out, { root: ROOT });
    expect(meta).toMatchObject({ name: "peer-router", world: "controller", exports: ["reconcile"], imports: ["cni:host/log", "cni:host/netns", "cni:host/route"] });
    expect(JSON.parse(readFileSync(join(out, "peer-router/meta.json"), "utf8"))).toMatchObject({ world: "controller" });
  });

  it("a manifest naming a world this host has not fails the build, naming the file and the field", async () => {
    const base = project("pb-world-");
    writeFileSync(join(base, "src/panic/manifest.json"), JSON.stringify({ ...MANIFEST, world: "daemon" }));
    await expect(build(base)).rejects.toThrow(/src\/panic\/manifest\.json: wasm-cni:manifest: field "world"/);
  });
});
