// verifyPin checks the code that will run (the compiled main module's bytes and the imports
// granted by) against the pinned component, whatever meta.json says, and for a module kept by
// a prestarted host as for one read now.
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { keepCompiled, loadComponent, precompileComponent } from "../../../host/runtime/load-component";
import { verifyPin } from "../../../host/runtime/pin";
import { GrantError } from "../../../host/runtime/policy";
import { buildFixtures, buildPluginUnderTest } from "../../helpers/plugin-under-test";

let built: string;
let other: Buffer;
let pin: string;

beforeAll(async () => {
  built = await buildPluginUnderTest("loopback");
  other = readFileSync(join(await buildFixtures(["impostor"]), "impostor", "impostor.core.wasm"));
  pin = createHash("sha256").update(readFileSync(join(built, "loopback.wasm"))).digest("hex");
}, 120_000);

/** A private copy of loopback: <root>/loopback.wasm and <root>/loopback/. Returns the folder. */
async function copy(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "pin-"));
  copyFileSync(join(built, "loopback.wasm"), join(root, "loopback.wasm"));
  cpSync(join(built, "loopback"), join(root, "loopback"), { recursive: true });
  await new Promise((r) => setTimeout(r, 150)); // older than KEEP_AFTER_MS, so that keepCompiled keeps it
  return join(root, "loopback");
}

describe("runtime/pin: verifyPin", () => {
  it("passes the honest plugin", async () => {
    const dir = await copy();
    expect(() => verifyPin(loadComponent(dir), pin)).not.toThrow();
  });

  it("refuses another sha256, naming both", async () => {
    const dir = await copy();
    expect(() => verifyPin(loadComponent(dir), "0".repeat(64))).toThrow(
      new GrantError(`plugin "loopback" is pinned to sha256 ${"0".repeat(64)}, but its component loopback.wasm has ${pin}`),
    );
  });

  it("refuses a main module that is not one of the component's, whatever meta.json's hashes say", async () => {
    const dir = await copy();
    writeFileSync(join(dir, "loopback.core.wasm"), other);
    expect(() => verifyPin(loadComponent(dir), pin)).toThrow(/is not one of the core modules of its component loopback\.wasm/);
  });

  it("refuses a module kept by a prestarted host when it is not the component's", async () => {
    const dir = await copy();
    writeFileSync(join(dir, "loopback.core.wasm"), other);
    await new Promise((r) => setTimeout(r, 150));
    keepCompiled(dir);
    const kept = await precompileComponent(dir);
    expect(Buffer.compare(kept.bytes, other)).toBe(0);
    expect(() => verifyPin(loadComponent(dir, kept), pin)).toThrow(/is not one of the core modules/);
  });

  it("refuses meta.json's imports when they are not the component's", async () => {
    const dir = await copy();
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "meta.json"), JSON.stringify({ ...meta, imports: ["cni:host/netns"] }));
    expect(() => verifyPin(loadComponent(dir), pin)).toThrow(/meta\.json's imports \(netns\) are not its component's \(addr, link, netns\)/);
  });

  it("refuses meta.main pointing at one of the component's shims: in the component, but not its main module", async () => {
    const dir = await copy();
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "meta.json"), JSON.stringify({ ...meta, main: "loopback.core2.wasm" }));
    expect(() => verifyPin(loadComponent(dir), pin)).toThrow(/main core module it would run \(loopback\.core2\.wasm\) is a shim of its component loopback\.wasm, not its main module/);
  });

  it("refuses another core module listed by meta.json that is not the component's, or is missing", async () => {
    const swapped = await copy();
    writeFileSync(join(swapped, "loopback.core3.wasm"), readFileSync(join(swapped, "loopback.core2.wasm")).subarray(0, 8));
    expect(() => verifyPin(loadComponent(swapped), pin)).toThrow(/the core module loopback\.core3\.wasm beside it is not one of the core modules of its component/);
    const missing = await copy();
    rmSync(join(missing, "loopback.core2.wasm"));
    expect(() => verifyPin(loadComponent(missing), pin)).toThrow(/its core module loopback\.core2\.wasm cannot be read/);
  });
});
