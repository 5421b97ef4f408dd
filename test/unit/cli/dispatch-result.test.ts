import { describe, expect, test } from "vitest";
import { CniError, CniErrorCode } from "../../../host/cni/errors";
import { VALID_CONFIG, VALID_RESULT, cli, envFor } from "./fake-cli";

describe("ADD result", () => {
  test("ADD with a 1.1.0 config prints the plugin's result in 1.1.0", async () => {
    const r = await cli();
    expect(r.code).toBe(0);
    expect(r.json()).toEqual(VALID_RESULT);
    expect(r.stderr).toBe("");
  });

  test("ADD with a 1.0.0 config prints a 1.0.0 result without the 1.1.0-only fields", async () => {
    const r = await cli({ stdin: { ...VALID_CONFIG, cniVersion: "1.0.0" } });
    expect(r.json()).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac: "02:42:0a:01:00:02", sandbox: "/run/netns/test" }],
      ips: VALID_RESULT.ips,
      routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }],
      dns: VALID_RESULT.dns,
    });
  });

  test("a result without cniVersion is read as the current version and stamped with the config's", async () => {
    const { cniVersion: _v, ...bare } = VALID_RESULT;
    const r = await cli({ stdin: { ...VALID_CONFIG, cniVersion: "1.0.0" }, run: async () => bare });
    expect(r.json()["cniVersion"]).toBe("1.0.0");
  });

  test("a 1.0.0 result for a 1.1.0 config is stamped 1.1.0", async () => {
    const r = await cli({ run: async () => ({ cniVersion: "1.0.0", ips: [{ address: "fd00::2/64" }] }) });
    expect(r.json()).toEqual({ cniVersion: "1.1.0", ips: [{ address: "fd00::2/64" }] });
  });

  test("keys outside the spec are dropped from the result, as libcni's decoding drops them", async () => {
    const r = await cli({ run: async () => ({ ...VALID_RESULT, secret: "x" }) });
    expect(r.json()).not.toHaveProperty("secret");
  });

  test("a plugin that returns nothing for ADD fails with code 999", async () => {
    const r = await cli({ argv0: "bridge", run: async () => undefined });
    expect(r.json()).toEqual({ cniVersion: "1.1.0", code: 999, msg: "plugin bridge returned no result for ADD" });
  });

  test.each(["DEL", "CHECK", "GC", "STATUS"])("%s prints nothing on success, whatever the runner returns", async (verb) => {
    const r = await cli({ env: envFor(verb), run: async () => ({ junk: true }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
  });

  test.each([
    ["an array", [], "must be an object"],
    ["null", null, "must be an object"],
    ["an address without prefix", { ips: [{ address: "10.1.0.2" }] }, 'field "ips[0].address" must be an IP address in CIDR notation (e.g. 10.1.0.2/24)'],
    ["a bad gateway", { ips: [{ address: "10.1.0.2/24", gateway: "10.1.0" }] }, 'field "ips[0].gateway" must be an IPv4 or IPv6 address'],
    ["a route without dst", { routes: [{ gw: "10.1.0.1" }] }, 'field "routes[0].dst" is required'],
    ["a negative mtu", { interfaces: [{ name: "eth0", mtu: -1 }] }, 'field "interfaces[0].mtu" must be >= 0'],
    ["a fractional route table", { routes: [{ dst: "0.0.0.0/0", table: 1.5 }] }, 'field "routes[0].table" must be an integer'],
    ["an interface index past the list", { interfaces: [{ name: "eth0" }], ips: [{ address: "10.1.0.2/24", interface: 1 }] }, 'field "ips[0].interface" must be an index into interfaces (1 given)'],
    ["an unsupported cniVersion", { cniVersion: "0.9.0" }, 'field "cniVersion" is "0.9.0", not one of ["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'],
  ])("a plugin result with %s fails with code 999 naming the plugin", async (_what, result, why) => {
    const r = await cli({ argv0: "bridge", run: async () => result });
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", code: 999, msg: `plugin bridge returned an invalid result: ${why}` });
  });
});

describe("errors from the runner", () => {
  test("a CniError from the runner is printed unchanged with the config's version", async () => {
    const r = await cli({
      stdin: { ...VALID_CONFIG, cniVersion: "1.0.0" },
      run: async () => {
        throw new CniError(CniErrorCode.TRY_AGAIN_LATER, "ipam store is locked", "retry in 1s");
      },
    });
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ cniVersion: "1.0.0", code: 11, msg: "ipam store is locked", details: "retry in 1s" });
    expect(r.stderr).toBe("wasm-cni: bridge: ipam store is locked; retry in 1s\n");
  });

  test("a plugin-specific code (100+) passes through", async () => {
    const r = await cli({ run: async () => Promise.reject(new CniError(117, "vlan id out of range")) });
    expect(r.json()).toEqual({ cniVersion: "1.1.0", code: 117, msg: "vlan id out of range" });
  });

  test("a plain Error becomes 999 with its message; its stack goes to stderr, never stdout", async () => {
    const r = await cli({ run: async () => Promise.reject(new Error("host bug: netlink socket closed")) });
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ cniVersion: "1.1.0", code: 999, msg: "host bug: netlink socket closed" });
    expect(r.stdout).not.toMatch(/\bat\b.*\(/);
    expect(r.stderr).toMatch(/^wasm-cni: bridge: Error: host bug: netlink socket closed\n\s+at /);
  });

  test("a thrown string becomes 999 with that text", async () => {
    const r = await cli({ run: async () => Promise.reject("plain string") });
    expect(r.json()).toEqual({ cniVersion: "1.1.0", code: 999, msg: "plain string" });
  });

  test("a known error prints one line on stderr even when its message has newlines", async () => {
    const r = await cli({ run: async () => Promise.reject(new CniError(7, "bad\nconfig")) });
    expect(r.stderr).toBe("wasm-cni: bridge: bad config\n");
  });

  test("a failing stdout write still returns exit code 1", async () => {
    const { runCli } = await import("../../../host/cli/dispatch");
    const err: string[] = [];
    const code = await runCli(
      {
        argv0: "bridge",
        env: envFor("DEL"),
        stdin: () => Buffer.from("{}"),
        stdout: () => {
          throw new Error("EPIPE");
        },
        stderr: (s) => void err.push(s),
      },
      { run: async () => undefined },
    );
    expect(code).toBe(1);
    expect(err.join("")).toContain("cannot write the error to stdout: Error: EPIPE");
  });
});
