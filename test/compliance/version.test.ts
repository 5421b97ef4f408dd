// SPEC.md "VERSION: probe plugin version support" and "Version considerations", and libcni's
// GetVersionInfo / ValidateNetworkList, against every plugin in dist/cni-bin.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cniExec } from "../../tools/cni-exec";
import { createConflistRunner, parseConflist } from "../../tools/conflist-runner";
import { GO_BIN, OURS } from "./compliance-fixture";

const ALL = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];
const PLUGINS = readdirSync(OURS).sort();

describe("VERSION", () => {
  it("dist/cni-bin holds at least bridge, host-local, loopback, ptp and wasm-cni", () => {
    expect(PLUGINS).toEqual(expect.arrayContaining(["bridge", "host-local", "loopback", "ptp", "wasm-cni"]));
  });

  for (const plugin of PLUGINS) {
    it(`${plugin}: VERSION through libcni's GetVersionInfo lists every released version 0.1.0-1.1.0`, () => {
      const info = createConflistRunner({ path: [OURS] }).version(plugin);
      expect(info).toEqual({ cniVersion: "1.1.0", supportedVersions: ALL });
    });
  }

  it.each(["0.3.1", "0.4.0", "1.0.0", "1.1.0"])("VERSION answers with the cniVersion given on input (%s)", (v) => {
    const out = cniExec({ binary: `${OURS}/bridge`, command: "VERSION", config: { cniVersion: v } });
    expect(out.code).toBe(0);
    expect(out.json).toEqual({ cniVersion: v, supportedVersions: ALL });
  });

  it("VERSION needs no variable but CNI_COMMAND, and no config beyond cniVersion", () => {
    const out = cniExec({ binary: `${OURS}/ptp`, command: "VERSION", config: "{}", path: "" });
    expect(out.code, out.stderr).toBe(0);
    expect(out.json).toMatchObject({ supportedVersions: ALL });
  });

  it("the Go reference plugins (v1.1.1) answer 1.0.0 whatever the input and list up to 1.0.0", () => {
    const info = createConflistRunner({ path: [GO_BIN] }).version("bridge");
    expect(info).toEqual({ cniVersion: "1.0.0", supportedVersions: ALL.slice(0, 6) });
  });
});

describe("version selection (libcni's NetworkConfFromBytes)", () => {
  it("a list's cniVersions raises cniVersion to the highest entry a runtime speaks, and each plugin supports it", () => {
    const list = parseConflist({ name: "v", cniVersion: "0.4.0", cniVersions: ["0.3.1", "1.0.0", "1.1.0", "2.0.0"], plugins: [{ type: "bridge" }, { type: "loopback" }] });
    expect(list.cniVersion).toBe("1.1.0");
    const runner = createConflistRunner({ path: [OURS] });
    for (const p of list.plugins) expect(runner.version(p.type).supportedVersions).toContain(list.cniVersion);
  });
});
