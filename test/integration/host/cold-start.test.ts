// What a cold call (no `wasm-cni serve`) loads of Node's own modules: node:crypto alone costs
// ~2 ms to load, a fifth of the Go plugins' whole ADD, so the CNI path must not load it unless
// a pin or a long firewall name needs it (pin.ts and firewall.ts require it only there).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../helpers/fixtures";

/** Node's internal modules loaded by the time a cold VERSION call through the Node host exits. */
function modulesOfColdCall(): string[] {
  const dir = mkdtempSync(join(tmpdir(), "cold-start-"));
  try {
    const report = join(dir, "report.cjs");
    writeFileSync(report, `process.on("exit", () => process.stderr.write("LOADED " + JSON.stringify(process.moduleLoadList) + "\\n"));\n`);
    const r = spawnSync("node", ["-r", report, join(ROOT, "bin/wasm-cni-node")], {
      input: '{"cniVersion":"1.0.0"}',
      env: { PATH: process.env.PATH ?? "", CNI_COMMAND: "VERSION", WASM_CNI_ARGV0: "bridge", WASM_CNI_PRESTART_DIR: "off" },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("supportedVersions");
    const line = r.stderr.split("\n").find((l) => l.startsWith("LOADED "));
    return JSON.parse(line?.slice("LOADED ".length) ?? "[]") as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("cold start", () => {
  it("a cold CNI call loads the whole host bundle but not node:crypto", () => {
    const loaded = modulesOfColdCall();
    expect(loaded).toContain("NativeModule fs"); // the report works
    expect(loaded.filter((m) => /\bcrypto\b/.test(m))).toEqual([]);
  });
});
