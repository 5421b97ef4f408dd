// The suite runs in two tiers (vitest.config.mts): a file that matches neither would never run,
// and a kernel test filed in the unit tier would run outside the sandbox.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import config from "../../vitest.config.mjs";
import { ROOT } from "../helpers/fixtures";

/** Where each plugin's own tests live: guest-plugins/<name>/test/, in the unit tier. */
const PLUGIN_TESTS = "guest-plugins/*/test/**/*.test.ts";

/** Each tier's top folders under test/, from its `test/<folder>/**\/*.test.ts` include globs (PLUGIN_TESTS as "guest-plugins"). */
function tierFolders(): Record<string, string[]> {
  const tiers: Record<string, string[]> = {};
  for (const project of config.test?.projects ?? []) {
    if (typeof project !== "object" || !("test" in project)) throw new Error("a project is not an inline config");
    const { name, include = [] } = project.test ?? {};
    tiers[String(name)] = include.map((glob) => {
      if (glob === PLUGIN_TESTS) return "guest-plugins";
      const folder = /^test\/([a-z0-9-]+)\/\*\*\/\*\.test\.ts$/.exec(glob)?.[1];
      if (!folder) throw new Error(`tier ${String(name)}: include ${glob} is not test/<folder>/**/*.test.ts`);
      return folder;
    });
  }
  return tiers;
}

describe("test tiers", () => {
  it("are unit (no root, no namespaces) and sandbox (its global setup refuses to run outside test/sandbox.mjs)", () => {
    expect(tierFolders()).toEqual({ unit: ["unit", "golden", "guest-plugins"], sandbox: ["integration", "compliance", "e2e"] });
    const setup = (name: string) => config.test?.projects?.find((p) => typeof p === "object" && "test" in p && p.test?.name === name);
    expect(setup("unit")).not.toHaveProperty("test.globalSetup");
    expect(setup("sandbox")).toHaveProperty("test.globalSetup", ["test/helpers/global-setup.ts"]);
  });

  it("every test file under test/ is in exactly one tier", () => {
    const tiers = Object.values(tierFolders());
    const files = readdirSync(`${ROOT}/test`, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".test.ts"));
    const homeless = files.filter((f) => tiers.filter((folders) => folders.includes(f.split("/")[0]!)).length !== 1);
    expect(files.length).toBeGreaterThan(100);
    expect(homeless).toEqual([]);
  });

  it("a plugin's tests in its folder are only under guest-plugins/<name>/test/, which the unit tier runs", () => {
    const files = readdirSync(`${ROOT}/guest-plugins`, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".test.ts") && !f.startsWith("sdk/"));
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => !/^[a-z0-9-]+\/test\//.test(f))).toEqual([]);
  });
});
