import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSubcommand, USAGE } from "../../../host/cli/subcommands";

function run(argv: string[]) {
  let stdout = "", stderr = "";
  const code = runSubcommand(argv, { pluginDir: "/nonexistent", policy: () => ({}), stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), launcher: "/nonexistent", native: () => { throw new Error("not used"); } });
  return { code, stdout, stderr };
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
});
