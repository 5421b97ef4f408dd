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

  it("help prints the usage, exit 0", () => {
    expect(run(["help"])).toEqual({ code: 0, stdout: USAGE, stderr: "" });
  });
});
