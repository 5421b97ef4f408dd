/**
 * Spec versions through runCli with a fake runner, for every supported version: the verb ×
 * version matrix (skel's refusals), ADD printing at the config's version, prevResult of each
 * version reaching the plugin as the current result, VERSION's answer.
 */
import { describe, expect, test } from "vitest";
import { convertResult } from "../../../host/cni/convert";
import { SUPPORTED_VERSIONS, type SupportedVersion } from "../../../host/cni/version";
import { VALID_CONFIG, VALID_RESULT, cli, envFor } from "./fake-cli";

const ALL = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

/** The matrix as skel enforces it: CHECK from 0.4.0, STATUS and GC from 1.1.0. */
const ALLOWED: Record<string, readonly string[]> = {
  ADD: ALL,
  DEL: ALL,
  CHECK: ["0.4.0", "1.0.0", "1.1.0"],
  STATUS: ["1.1.0"],
  GC: ["1.1.0"],
};

const matrix = Object.entries(ALLOWED).flatMap(([verb, allowed]) =>
  ALL.map((version) => ({ verb, version, allowed: allowed.includes(version) })),
);

describe("verbs × versions", () => {
  test("the host supports exactly the released versions", () => {
    expect([...SUPPORTED_VERSIONS]).toEqual(ALL);
  });

  test.each(matrix.filter((c) => c.allowed))("$verb with a $version config reaches the runner", async ({ verb, version }) => {
    const r = await cli({ env: envFor(verb), stdin: { ...VALID_CONFIG, cniVersion: version } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.command)).toEqual([verb]);
  });

  test.each(matrix.filter((c) => !c.allowed))(
    "$verb with a $version config fails with code 1 (config version does not allow $verb)",
    async ({ verb, version }) => {
      const r = await cli({ env: envFor(verb), stdin: { ...VALID_CONFIG, cniVersion: version } });
      expect(r.code).toBe(1);
      expect(r.json()).toMatchObject({ cniVersion: version, code: 1, msg: `config version does not allow ${verb}` });
      expect(r.calls).toHaveLength(0);
    },
  );
});

describe.each(ALL)("ADD with a %s config", (version) => {
  test("prints the plugin's result converted to that version", async () => {
    const r = await cli({ stdin: { ...VALID_CONFIG, cniVersion: version } });
    expect(r.code).toBe(0);
    expect(r.json()).toStrictEqual(convertResult(VALID_RESULT, version as SupportedVersion));
    expect(r.json()["cniVersion"]).toBe(version);
  });

  test("reports a runner error in that version", async () => {
    const r = await cli({ stdin: { ...VALID_CONFIG, cniVersion: version }, run: async () => Promise.reject(new Error("boom")) });
    expect(r.json()).toEqual({ cniVersion: version, code: 999, msg: "boom" });
  });
});

describe("ADD below 0.3.0", () => {
  test("a result without addresses fails with code 999 in libcni's words", async () => {
    const r = await cli({ argv0: "loopback", stdin: { ...VALID_CONFIG, cniVersion: "0.2.0" }, run: async () => ({ interfaces: [{ name: "lo" }] }) });
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({
      cniVersion: "0.2.0",
      code: 999,
      msg: "cannot convert: no valid IP addresses",
      details: "the result of plugin loopback has no IP address, and a 0.2.0 result (ip4/ip6) needs one",
    });
  });

  test("a config without cniVersion is read as 0.1.0, like libcni, and gets a 0.1.0 result", async () => {
    const r = await cli({ stdin: { name: "n", type: "bridge" } });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      cniVersion: "0.1.0",
      ip4: { ip: "10.1.0.2/24", gateway: "10.1.0.1", routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }] },
      dns: { nameservers: ["10.1.0.1"] },
    });
  });
});

/** The same attachment as each version prints it. */
const PREV: Record<string, object> = {
  "0.2.0": { ip4: { ip: "10.1.0.2/24", gateway: "10.1.0.1" } },
  "0.4.0": { interfaces: [{ name: "eth0", sandbox: "/run/netns/test" }], ips: [{ version: "4", interface: 0, address: "10.1.0.2/24", gateway: "10.1.0.1" }] },
  "1.0.0": { interfaces: [{ name: "eth0", sandbox: "/run/netns/test" }], ips: [{ interface: 0, address: "10.1.0.2/24", gateway: "10.1.0.1" }] },
};
const prevOf = (v: string) => ({ cniVersion: v, ...PREV[v < "0.3.0" ? "0.2.0" : v < "1.0.0" ? "0.4.0" : "1.0.0"] });

describe.each(ALL)("prevResult at %s", (version) => {
  const stdin = JSON.stringify({ ...VALID_CONFIG, cniVersion: version, bridge: "cni0", prevResult: prevOf(version), mtu: 1400 });

  test("reaches the runner as a current (1.1.0) result", async () => {
    const r = await cli({ env: envFor("DEL"), stdin });
    expect(r.code).toBe(0);
    const expected = version < "0.3.0"
      ? { cniVersion: "1.1.0", ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1" }] }
      : { cniVersion: "1.1.0", ...PREV["1.0.0"] };
    expect(r.calls[0]?.config.prevResult).toStrictEqual(expected);
    expect(r.calls[0]?.config.cniVersion).toBe(version);
  });

  test(version < "1.0.0" ? "is rewritten into the plugin's config text, other keys kept" : "leaves the config text byte for byte", async () => {
    const r = await cli({ env: envFor("DEL"), stdin });
    const raw = r.calls[0]?.rawConfig ?? "";
    if (version >= "1.0.0") {
      expect(raw).toBe(stdin);
      return;
    }
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    expect(parsed).toEqual({ ...JSON.parse(stdin), prevResult: r.calls[0]?.config.prevResult });
  });
});

describe("config keys around versions", () => {
  test("cniVersions is passed through and does not pick the version", async () => {
    const text = JSON.stringify({ ...VALID_CONFIG, cniVersion: "0.4.0", cniVersions: ["0.4.0", "1.0.0", "1.1.0"] });
    const r = await cli({ stdin: text });
    expect(r.json()["cniVersion"]).toBe("0.4.0");
    expect(r.calls[0]?.config.cniVersions).toEqual(["0.4.0", "1.0.0", "1.1.0"]);
    expect(r.calls[0]?.rawConfig).toBe(text);
  });

  test("cniVersions that is not a list of strings fails with code 7", async () => {
    const r = await cli({ stdin: { ...VALID_CONFIG, cniVersions: "1.1.0" } });
    expect(r.json()).toMatchObject({ code: 7, msg: 'network config: field "cniVersions" must be an array' });
    expect(r.calls).toHaveLength(0);
  });

  test('"args": {"cni": {...}} reaches the runner untouched', async () => {
    const args = { cni: { ips: ["10.1.0.9/24"], mac: "02:00:00:00:00:09", extra: { nested: [1, null] } } };
    const text = JSON.stringify({ ...VALID_CONFIG, args });
    const r = await cli({ stdin: text });
    expect(r.calls[0]?.config.args).toStrictEqual(args);
    expect(r.calls[0]?.rawConfig).toBe(text);
  });
});

describe("VERSION", () => {
  test("prints the exact list of supported versions, skel's indented JSON", async () => {
    const r = await cli({ env: { CNI_COMMAND: "VERSION" }, stdin: { cniVersion: "0.3.1" } });
    expect(r.stdout).toBe(`${JSON.stringify({ cniVersion: "0.3.1", supportedVersions: ALL }, null, 4)}\n`);
  });
});
