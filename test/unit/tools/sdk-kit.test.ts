// tools/sdk-kit.ts and tools/wasm-cni-build.ts: the SDK packed as npm would publish it, unpacked
// into a project outside this repo as `npm install <tarball>` would, builds a plugin with its
// `wasm-cni-build` command into the very bytes this repo's build makes of the same source.
// (No registry in the sandbox: asc and jco are linked from this repo's node_modules, the
// versions the SDK's package.json pins.)
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transpileComponent } from "../../../tools/plugin-build";
import { KIT_BIN, KIT_HARNESS, writeKit } from "../../../tools/sdk-kit";
import { runHostile, writePolicy } from "../../helpers/hostile";

/** The command npm links into node_modules/.bin: a stub importing KIT_BIN. */
const BIN = "bin/wasm-cni-build.mjs";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";
import { ROOT } from "../../helpers/fixtures";

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const mkdirp = (dir: string): string => (mkdirSync(dir, { recursive: true }), dir);
const SDK = join(ROOT, "guest-plugins/sdk");
let tmp: string, tarball: string, files: string[], project: string;

/** `npm pack` of a copy of the SDK completed by writeKit (the package's prepack step), so the test writes nothing into the repo. */
function packSdk(): { tarball: string; files: string[] } {
  const sdk = join(tmp, "sdk");
  cpSync(SDK, sdk, { recursive: true, filter: (src) => ![join(SDK, "wit"), join(SDK, "dist"), join(SDK, "node_modules")].includes(src) });
  writeKit(ROOT, sdk);
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], {
    cwd: sdk,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_audit: "false", npm_config_fund: "false" },
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(tmp, info!.filename), files: info!.files.map((f) => f.path).sort() };
}

/** `npm install <tarball>` into `dir`, as far as a test without a registry can: the SDK unpacked, its command linked, asc and jco linked. */
function installSdk(dir: string, tarball: string): void {
  const sdk = join(dir, "node_modules/@wasm-cni/sdk");
  mkdirSync(sdk, { recursive: true });
  execFileSync("tar", ["xzf", tarball, "-C", sdk, "--strip-components=1"]);
  mkdirSync(join(dir, "node_modules/@bytecodealliance"), { recursive: true });
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules/assemblyscript"), join(dir, "node_modules/assemblyscript"));
  symlinkSync(join(ROOT, "node_modules/@bytecodealliance/jco"), join(dir, "node_modules/@bytecodealliance/jco"));
  symlinkSync(`../@wasm-cni/sdk/${BIN}`, join(dir, "node_modules/.bin/wasm-cni-build"));
}

/** A project folder holding one plugin's source, with the SDK tarball installed into node_modules. */
function authorProject(tarball: string, plugin: string): string {
  const dir = join(tmp, "author", plugin);
  mkdirSync(dir, { recursive: true });
  installSdk(dir, tarball);
  cpSync(join(ROOT, "guest-plugins", plugin, `${plugin}.ts`), join(dir, `${plugin}.ts`));
  cpSync(join(ROOT, "guest-plugins", plugin, "manifest.json"), join(dir, "manifest.json")); // the build embeds it
  return dir;
}

function runBuild(cwd: string, args: string[] = []) {
  return spawnSync(process.execPath, [join(cwd, "node_modules/@wasm-cni/sdk", BIN), ...args], { cwd, encoding: "utf8", timeout: 60_000 });
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "sdk-kit-"));
  const packed = packSdk();
  ({ tarball, files } = packed);
  project = authorProject(tarball, "loopback");
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the SDK package holds what an author needs", () => {
  it("the packed SDK has its sources, the WIT contract, the asconfig preset and the build command, and nothing of the repo's", () => {
    for (const f of ["package.json", "README.md", "API.md", "index.ts", "exports.ts", "abi/abort.ts", "bindings/plugin-world.ts", "asconfig.plugin.json", BIN, KIT_BIN, KIT_HARNESS, "wit/world.wit"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith("wit/")).sort()).toEqual(
      execFileSync("ls", [join(ROOT, "wit")], { encoding: "utf8" }).trim().split("\n").map((f) => `wit/${f}`).sort(),
    );
    expect(files.filter((f) => f.startsWith("node_modules/") || f.endsWith(".wasm"))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(SDK, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ "wasm-cni-build": BIN });
  });
});

describe("wasm-cni-build outside this repo", () => {
  it("builds a plugin's source into the same component, byte for byte, as this repo's build, and prints its sha256", async () => {
    const r = runBuild(project);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const built = readFileSync(join(project, "build/loopback.wasm"));
    const inRepo = readFileSync(join(await buildPluginUnderTest("loopback"), "loopback.wasm"));
    expect(sha256(built)).toBe(sha256(inRepo));
    expect(r.stdout.trim()).toBe(`build/loopback.wasm  ${built.length} bytes  sha256:${sha256(built)}`);
  }, 60_000);

  it("embeds the folder's manifest.json, and -o names the output file", () => {
    writeFileSync(join(project, "manifest.json"), JSON.stringify({ name: "lo", version: "1.2.3", capabilities: { interfaces: ["netns", "link", "addr"] } }));
    try {
      const r = runBuild(project, ["-o", "out/x.wasm"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^out\/x\.wasm {2}\d+ bytes {2}sha256:[0-9a-f]{64}\n$/);
      expect(readFileSync(join(project, "out/x.wasm")).includes(Buffer.from('{"name":"lo","version":"1.2.3"'))).toBe(true);
    } finally {
      rmSync(join(project, "manifest.json"));
    }
  }, 60_000);

  it("a folder without an entry file fails with exit 1 and says which files it looked for", () => {
    const empty = join(tmp, "author", "empty");
    mkdirSync(empty, { recursive: true });
    const r = spawnSync(process.execPath, [join(project, "node_modules/@wasm-cni/sdk", BIN), empty], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wasm-cni-build: plugin .*empty: no empty\.ts, index\.ts or assembly\/index\.ts\n$/);
  });
});

describe("wasm-cni-build init", () => {
  it("makes a plugin project that builds and passes its own test at once, without root", () => {
    const r = runBuild(project, ["init", join(tmp, "new", "hello")]);
    expect(r.status).toBe(0);
    const dir = join(tmp, "new", "hello");
    expect(r.stdout).toContain("next: cd");
    for (const f of ["package.json", "manifest.json", "index.ts", "asconfig.json", "test/plugin.test.mjs", "README.md"]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).devDependencies).toEqual({ "@wasm-cni/sdk": "^0.1.0" });
    installSdk(dir, tarball);
    const t = spawnSync("npm", ["test"], { cwd: dir, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" }, timeout: 60_000 });
    expect(t.stderr + t.stdout).toMatch(/# pass 4\n# fail 0/);
    expect(t.status).toBe(0);
    expect(existsSync(join(dir, "build/hello.wasm"))).toBe(true);
  }, 60_000);

  it("the scaffolded plugin, pinned by its sha256, runs in the host: ADD passes the prevResult on", async () => {
    const component = readFileSync(join(tmp, "new", "hello", "build/hello.wasm"));
    const pluginDir = join(tmp, "plugins");
    writeFileSync(join(mkdirp(pluginDir), "hello.wasm"), component);
    const meta = await transpileComponent("hello", component, join(pluginDir, "hello"));
    writeFileSync(join(pluginDir, "hello", "meta.json"), JSON.stringify(meta));
    const prevResult = { cniVersion: "1.1.0", interfaces: [{ name: "eth0", mac: "aa:bb:cc:dd:ee:ff" }], ips: [{ address: "10.1.2.3/24", interface: 0 }] };
    const r = runHostile({
      plugin: "hello", pluginDir, policy: writePolicy({ hello: { interfaces: ["log"], sha256: sha256(component) } }),
      config: { prevResult }, env: { WASM_CNI_PRESTART_DIR: "off" },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject(prevResult);
  }, 60_000);

  it("refuses a folder that is not empty, and a name the host would not accept", () => {
    const r = runBuild(project, ["init", project]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not empty/);
    const bad = runBuild(project, ["init", join(tmp, "new", "Bad_Name")]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Bad_Name: a plugin name is lower case letters/);
  });
});
