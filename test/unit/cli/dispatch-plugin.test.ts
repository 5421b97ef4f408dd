import { describe, expect, test } from "vitest";
import { VALID_CONFIG, cli, envFor } from "./fake-cli";

describe("plugin selection", () => {
  test("exec'd through a symlink named bridge runs plugin bridge, whatever the type", async () => {
    const r = await cli({ argv0: "/opt/cni/bin/bridge", stdin: { ...VALID_CONFIG, type: "macvlan" } });
    expect(r.calls[0]?.pluginName).toBe("bridge");
  });

  test("exec'd by a bare name runs that plugin", async () => {
    const r = await cli({ argv0: "ptp" });
    expect(r.calls[0]?.pluginName).toBe("ptp");
  });

  test("exec'd as wasm-cni runs the config's type", async () => {
    const r = await cli({ argv0: "/usr/local/bin/wasm-cni", stdin: { ...VALID_CONFIG, type: "host-local" } });
    expect(r.calls[0]?.pluginName).toBe("host-local");
  });

  test('exec\'d as wasm-cni with "type": "wasm-cni" runs the "plugin" key', async () => {
    const r = await cli({ stdin: { ...VALID_CONFIG, type: "wasm-cni", plugin: "ptp" } });
    expect(r.calls[0]?.pluginName).toBe("ptp");
  });

  test('"type": "wasm-cni" without "plugin" fails with code 7', async () => {
    const r = await cli({ stdin: { ...VALID_CONFIG, type: "wasm-cni" } });
    expect(r.json()).toMatchObject({ code: 7, msg: 'network config: field "plugin" is required when "type" is "wasm-cni"' });
    expect(r.calls).toHaveLength(0);
  });

  test.each([
    [{ ...VALID_CONFIG, type: "../../bin/sh" }, 'network config: field "type" is not a valid plugin name: "../../bin/sh"'],
    [{ ...VALID_CONFIG, type: "wasm-cni", plugin: "a/b" }, 'network config: field "plugin" is not a valid plugin name: "a/b"'],
    [{ ...VALID_CONFIG, type: "wasm-cni", plugin: 7 }, 'network config: field "plugin" is required when "type" is "wasm-cni"'],
  ])("config %j names no valid plugin and fails with code 7", async (stdin, msg) => {
    const r = await cli({ stdin });
    expect(r.json()).toMatchObject({ code: 7, msg });
    expect(r.calls).toHaveLength(0);
  });

  test("errors after selection name the plugin on stderr", async () => {
    const r = await cli({ argv0: "bridge", run: async () => ({ ips: "nope" }) });
    expect(r.stderr).toMatch(/^wasm-cni: bridge: plugin bridge returned an invalid result/);
  });
});

describe("VERSION", () => {
  const supportedVersions = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

  test("VERSION with empty stdin answers the current version and needs no other variable", async () => {
    const r = await cli({ env: { CNI_COMMAND: "VERSION" }, stdin: "" });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", supportedVersions });
    expect(r.stderr).toBe("");
    expect(r.calls).toHaveLength(0);
  });

  test("VERSION echoes the cniVersion given on stdin", async () => {
    const r = await cli({ env: envFor("VERSION"), stdin: { cniVersion: "1.0.0" } });
    expect(r.json()).toEqual({ cniVersion: "1.0.0", supportedVersions });
  });

  test("VERSION echoes an input version it does not support, as SPEC.md says", async () => {
    const r = await cli({ env: envFor("VERSION"), stdin: { cniVersion: "0.9.0" } });
    expect(r.json()).toEqual({ cniVersion: "0.9.0", supportedVersions });
  });

  test.each(["not json", "[]", '{"cniVersion": 1}', '{"cniVersion": "one"}'])(
    "VERSION with stdin %j still succeeds with the current version",
    async (stdin) => {
      const r = await cli({ env: envFor("VERSION"), stdin });
      expect(r.code).toBe(0);
      expect(r.json()).toEqual({ cniVersion: "1.1.0", supportedVersions });
    },
  );

  test("VERSION ignores invalid attachment variables", async () => {
    const r = await cli({ env: envFor("VERSION", { CNI_IFNAME: "a/b", CNI_CONTAINERID: "-x", CNI_ARGS: "bad" }) });
    expect(r.code).toBe(0);
  });
});
