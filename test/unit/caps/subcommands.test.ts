import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reconcileCommand, runSubcommand, type SubcommandDeps, USAGE } from "../../../host/cli/subcommands";
import { createMemoryStore } from "../../../host/store/memory";

function deps(out: { stdout: string; stderr: string }): SubcommandDeps {
  const native = () => { throw new Error("not used"); };
  return {
    pluginDir: "/nonexistent", policy: () => ({}), stdout: (s) => void (out.stdout += s), stderr: (s) => void (out.stderr += s), launcher: "/nonexistent", native,
    runtime: { pluginDir: "/nonexistent", native, store: createMemoryStore(), policy: () => ({}), log: () => {}, mark: () => {} },
  };
}

function run(argv: string[]) {
  const out = { stdout: "", stderr: "" };
  const code = runSubcommand(argv, deps(out));
  return { code, ...out };
}

async function reconcile(argv: string[]) {
  const out = { stdout: "", stderr: "" };
  const code = await reconcileCommand(argv, deps(out));
  return { code, ...out };
}

const VIEW = {
  local: { name: "node1", subnets: ["10.244.1.0/24"], underlay: "192.168.50.1", vtepMac: "" },
  peers: [{ name: "node2", subnets: ["10.244.2.0/24"], underlay: "192.168.50.2", vtepMac: "0a:58:00:00:00:02" }],
  clusterCidrs: ["10.244.0.0/16"],
  underlayLink: "eth0",
  underlayMtu: 1500,
  options: "{}",
};

function viewFile(value: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "view-")), "view.json");
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

describe("wasm-cni subcommands", () => {
  it("caps --json prints the report as JSON, exit 0", () => {
    const r = run(["caps", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ package: "cni:host@0.1.0" });
  });

  it("an unknown command prints the usage on stderr, exit 2", () => {
    expect(run(["frobnicate"])).toEqual({ code: 2, stdout: "", stderr: expect.stringContaining(USAGE) });
    expect(run(["inspect"]).code).toBe(2);
    expect(run(["caps", "extra"]).code).toBe(2);
  });

  it("inspect of a plugin that is not there fails with one line on stderr, exit 1", () => {
    const r = run(["inspect", "bridge"]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toMatch(/^wasm-cni inspect: no Wasm plugin "bridge"/);
  });

  it("install and uninstall: one argument and known options, else the usage (exit 2); a failure is one line (exit 1)", () => {
    expect(run(["install"]).code).toBe(2);
    expect(run(["install", "a.wasm", "b.wasm"]).code).toBe(2);
    expect(run(["install", "a.wasm", "--name"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/install: --name needs a value/) });
    expect(run(["install", "a.wasm", "--nmae", "x"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/install: unknown option --nmae/) });
    expect(run(["uninstall"]).code).toBe(2);
    expect(run(["uninstall", "x", "--force"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/uninstall: unknown option --force/) });
    expect(run(["install", "/nonexistent/a.wasm"])).toEqual({ code: 1, stdout: "", stderr: "wasm-cni install: cannot read /nonexistent/a.wasm: ENOENT: no such file or directory, open '/nonexistent/a.wasm'\n" });
    expect(run(["uninstall", "x"])).toEqual({ code: 1, stdout: "", stderr: 'wasm-cni uninstall: no installed plugin "x" in /nonexistent (installed: none)\n' });
  });

  it("install --json prints the report; --plugin-dir overrides the runtime's directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "subcommands-"));
    const r = run(["install", "dist/plugins/loopback.wasm", "--name", "x", "--plugin-dir", dir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "x", pluginDir: dir, policy: { x: { interfaces: ["addr", "link", "netns"] } } });
    expect(run(["uninstall", "x", "--plugin-dir", dir, "--json"])).toMatchObject({ code: 0, stdout: expect.stringContaining('"removed"') });
  });

  it("help prints the usage, exit 0", () => {
    expect(run(["help"])).toEqual({ code: 0, stdout: USAGE, stderr: "" });
  });

  it("reconcile takes --plugin and --view, else the usage (exit 2)", async () => {
    expect(await reconcile([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/reconcile takes --plugin <controller> and --view <view\.json>/) });
    expect(await reconcile(["--plugin", "x"])).toMatchObject({ code: 2 });
    expect(await reconcile(["--plugin", "x", "--view", "v.json", "extra"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/\(got extra\)/) });
    expect(await reconcile(["--plugin", "x", "--veiw", "v.json"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/reconcile: unknown option --veiw/) });
  });

  it("reconcile with a view file that is missing, not JSON or not a view fails naming the file and the field, exit 1", async () => {
    expect(await reconcile(["--plugin", "x", "--view", "/nonexistent/v.json"])).toMatchObject({ code: 1, stdout: "", stderr: expect.stringMatching(/^wasm-cni reconcile: view file \/nonexistent\/v\.json cannot be read: ENOENT/) });
    const notJson = viewFile("{");
    expect(await reconcile(["--plugin", "x", "--view", notJson])).toMatchObject({ code: 1, stderr: expect.stringContaining(`view file ${notJson} is not JSON`) });
    const cases: [unknown, RegExp][] = [
      [{ ...VIEW, local: { ...VIEW.local, subnets: ["10.244.1.0"] } }, /field "local\.subnets\[0\]" must be an IP address in CIDR notation/],
      [{ ...VIEW, peers: [{ ...VIEW.peers[0], underlay: "node2" }] }, /field "peers\[0\]\.underlay" must be an IPv4 or IPv6 address/],
      [{ ...VIEW, peers: [{ ...VIEW.peers[0], vtepMac: "0A:58:00:00:00:02" }] }, /field "peers\[0\]\.vtepMac" must be a MAC address in lower case/],
      [{ ...VIEW, underlayLink: "eth0 x" }, /field "underlayLink" must be an interface name/],
      [{ ...VIEW, underlayMtu: 70000 }, /field "underlayMtu"/],
      [{ ...VIEW, options: "{" }, /field "options" must be a JSON text/],
      [{ ...VIEW, extra: 1 }, /extra/],
    ];
    for (const [value, msg] of cases) {
      const file = viewFile(value);
      const r = await reconcile(["--plugin", "x", "--view", file, "--json"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.startsWith(`wasm-cni reconcile: view file ${file}: `)).toBe(true);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 7, msg: expect.stringMatching(msg) } });
    }
  });

  it("reconcile of a controller that is not installed fails with CNI error 7 naming the plugin directory, exit 1", async () => {
    const r = await reconcile(["--plugin", "nope", "--view", viewFile(VIEW), "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 7, msg: expect.stringMatching(/^no Wasm plugin "nope" in \/nonexistent/) } });
    expect(r.stderr).toMatch(/^wasm-cni reconcile: controller "nope" failed \(CNI error 7\), nothing it did is left: no Wasm plugin "nope"/);
  });
});
