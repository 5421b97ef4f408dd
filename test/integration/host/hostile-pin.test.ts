// A plugin pinned by the policy ("sha256") runs only code of the pinned component. An attacker
// who can write the plugin directory but not the policy swaps the main core module (another
// fixture's, `impostor`), rewrites meta.json's hashes to match, points meta.main elsewhere or
// rewrites its imports: each such call is refused before anything runs, with CNI error 999
// saying why and a load denial in the audit log; the container's netns is untouched (loopback
// would set lo up). `inspect` says the main module is not the component's. The honest pinned
// plugin still runs.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ComponentMeta } from "../../../host/runtime/load-component";
import { HOST_BIN } from "../../helpers/fixtures";
import { runHostile, tempDir, writePolicy } from "../../helpers/hostile";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildFixtures, buildPluginUnderTest } from "../../helpers/plugin-under-test";

const newNetns = netnsPerTest();
let built: string;
let impostorCore: Buffer;
let pin: string;
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  built = await buildPluginUnderTest("loopback");
  const fixtures = await buildFixtures(["impostor"]);
  impostorCore = readFileSync(join(fixtures, "impostor", "impostor.core.wasm"));
  pin = sha256(readFileSync(join(built, "loopback.wasm")));
}, 120_000);

/** A plugin directory of the test's own holding loopback (its component and its folder), changed by `tamper`. */
function pluginDir(tamper: (dir: string, meta: ComponentMeta) => ComponentMeta | void = () => undefined): string {
  const root = tempDir("pin");
  copyFileSync(join(built, "loopback.wasm"), join(root, "loopback.wasm"));
  cpSync(join(built, "loopback"), join(root, "loopback"), { recursive: true });
  const metaPath = join(root, "loopback", "meta.json");
  const meta = JSON.parse(readFileSync(metaPath, "utf8")) as ComponentMeta;
  const changed = tamper(join(root, "loopback"), meta);
  if (changed) writeFileSync(metaPath, JSON.stringify(changed));
  return root;
}

const policy = (pinned: boolean): string =>
  writePolicy({ loopback: { interfaces: ["netns", "link", "addr", "log"], ...(pinned && { sha256: pin }) } });

function add(dir: string, ns: TestNetns, pinned = true) {
  return runHostile({
    plugin: "loopback", pluginDir: dir, policy: policy(pinned), netns: ns, containerId: "p",
    config: { name: "pinnet" }, env: { WASM_CNI_PRESTART_DIR: "off" },
  });
}

function inspect(dir: string): string {
  return execFileSync(HOST_BIN, ["inspect", "loopback"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", WASM_CNI_PLUGIN_DIR: dir, WASM_CNI_POLICY: policy(true) } });
}

/** A container netns with lo down, as a runtime makes it (loopback's ADD sets it up). */
function container(prefix: string): TestNetns {
  const ns = newNetns(prefix);
  ip(ns, "link", "set", "lo", "down");
  return ns;
}

const loUp = (ns: TestNetns): boolean => ipJson<{ flags: string[] }[]>(ns, ["link", "show", "lo"])[0]?.flags.includes("UP") ?? false;

/** The swaps of a pinned plugin's code, each with meta.json's hashes rewritten to match. */
const SWAPS: [string, (dir: string, meta: ComponentMeta) => ComponentMeta][] = [
  ["the main module overwritten with another plugin's", (dir, meta) => {
    writeFileSync(join(dir, meta.main), impostorCore);
    return { ...meta, coreModules: { ...meta.coreModules, [meta.main]: sha256(impostorCore) } };
  }],
  ["meta.main pointing at another plugin's module beside it", (dir, meta) => {
    writeFileSync(join(dir, "impostor.core.wasm"), impostorCore);
    return { ...meta, main: "impostor.core.wasm", coreModules: { ...meta.coreModules, "impostor.core.wasm": sha256(impostorCore) } };
  }],
];

describe("a pinned plugin runs only the code of its pinned component", () => {
  it("the honest pinned plugin runs: lo is up", () => {
    const ns = container("pinok");
    const r = add(pluginDir(), ns);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject({ interfaces: [{ name: "lo" }] });
    expect(loUp(ns)).toBe(true);
  });

  it.each(SWAPS)("%s: refused before it runs (999, audited as a load denial), nothing changes, inspect says so", (_what, swap) => {
    const ns = container("pinswap");
    const dir = pluginDir(swap);
    const r = add(dir, ns);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(/impostor-ran/);
    const msg = /plugin "loopback" is pinned, but the main core module it would run \(\S+\) is not one of the core modules of its component loopback\.wasm/;
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(msg) });
    expect(r.audit()).toMatchObject({ plugin: "loopback", code: 999, denials: [{ plugin: "loopback", fn: "load", reason: expect.stringMatching(msg) }] });
    expect(loUp(ns)).toBe(false);
    const report = inspect(dir);
    expect(report).not.toMatch(/\(matches\)/);
    expect(report).toMatch(/NOT the component's main module/);
  });

  it("unpinned, the same swap is what the plugin directory holds: it runs (the pin is what covers the code)", () => {
    const ns = container("pinoff");
    const r = add(pluginDir(SWAPS[0]![1]), ns, false);
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/impostor-ran/)]);
  });

  it("meta.json's imports rewritten (pinned): refused before it runs", () => {
    const ns = container("pinimp");
    const r = add(pluginDir((_dir, meta) => ({ ...meta, imports: ["cni:host/link", "cni:host/netns"] })), ns);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/plugin "loopback" is pinned, but meta\.json's imports .* are not its component's/) });
    expect(loUp(ns)).toBe(false);
  });

  it.each([["main", "../../escape.core.wasm"], ["main", "/etc/passwd"], ["component", "../loopback.wasm"], ["main", ".."]])(
    "meta.%s %j (not a plain file name in the plugin's folder) is refused at load, pinned or not", (field, value) => {
      const ns = container("pinpath");
      for (const pinned of [true, false]) {
        const r = add(pluginDir((_dir, meta) => ({ ...meta, [field]: value })), ns, pinned);
        expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(new RegExp(`plugin "loopback" could not be loaded: .*meta\\.json.*${field}`)) });
      }
      expect(loUp(ns)).toBe(false);
    });

  it("inspect of the honest plugin says (matches), and its main module is the component's", () => {
    const report = inspect(pluginDir());
    expect(report).toMatch(/\(matches\)/);
    expect(report).toMatch(/loopback\.core\.wasm \(the component's main module\)/);
  });
});
