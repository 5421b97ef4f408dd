// A plugin that is not there: the error says what the plugin directory holds instead — its
// component not installed (with the command that installs it), or the plugins there and the
// ones with a similar name.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PluginNotFoundError, resolvePlugin } from "../../../host/runtime/plugin-dir";

/** A plugin directory with installed plugins `names` (a meta.json is all resolvePlugin looks for). */
function pluginDir(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "plugin-dir-"));
  for (const n of names) {
    mkdirSync(join(dir, n));
    writeFileSync(join(dir, n, "meta.json"), "{}");
  }
  return dir;
}

describe("runtime/plugin-dir: resolvePlugin", () => {
  it("finds an installed plugin's folder", () => {
    const dir = pluginDir(["bridge"]);
    expect(resolvePlugin(dir, "bridge")).toBe(join(dir, "bridge"));
  });

  it("a component there but not installed: says so and gives the install command", () => {
    const dir = pluginDir(["bridge"]);
    copyFileSync("dist/plugins/loopback.wasm", join(dir, "third.wasm"));
    expect(() => resolvePlugin(dir, "third")).toThrow(PluginNotFoundError);
    expect(() => resolvePlugin(dir, "third")).toThrow(
      `no Wasm plugin "third" installed in ${dir}: its component third.wasm is there, but not installed (no third/meta.json); `
      + `install it with \`wasm-cni install ${dir}/third.wasm --name third --plugin-dir ${dir}\` (available: bridge)`,
    );
  });

  it("nothing of that name: lists the plugins, the similar names and the components not installed", () => {
    const dir = pluginDir(["bridge", "host-local", "ptp"]);
    writeFileSync(join(dir, "stray.wasm"), "");
    expect(() => resolvePlugin(dir, "brigde")).toThrow(
      `no Wasm plugin "brigde" in ${dir} (available: bridge, host-local, ptp; did you mean "bridge"?; components there but not installed: stray.wasm)`,
    );
    expect(() => resolvePlugin(dir, "local")).toThrow(/did you mean "host-local"\?/);
    expect(() => resolvePlugin(dir, "macvlan")).toThrow(new RegExp(`^no Wasm plugin "macvlan" in ${dir} \\(available: bridge, host-local, ptp; components`));
    expect(() => resolvePlugin(join(dir, "none"), "x")).toThrow(/\(available: none\)$/);
  });

  it("refuses a name that is no plugin name", () => {
    expect(() => resolvePlugin(pluginDir([]), "../etc")).toThrow(/plugin name "\.\.\/etc" is not valid/);
  });
});
