import { describe, expect, test } from "vitest";
import { cli, envFor } from "./fake-cli";

const VARS = ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"] as const;

/** Which variables each verb requires (SPEC.md, and skel for CNI_PATH). */
const REQUIRED: Record<string, readonly string[]> = {
  ADD: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"],
  DEL: ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"],
  CHECK: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"],
  GC: ["CNI_PATH"],
  STATUS: [],
};

const cases = Object.entries(REQUIRED).flatMap(([verb, required]) =>
  VARS.map((name) => ({ verb, name, required: required.includes(name) })),
);

describe("required CNI_* variables per verb", () => {
  test.each(cases.filter((c) => c.required))("$verb without $name fails with code 4", async ({ verb, name }) => {
    const r = await cli({ env: envFor(verb, {}, [name]) });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ code: 4, msg: `required env variables [${name}] missing for ${verb}` });
    expect(r.calls).toHaveLength(0);
  });

  test.each(cases.filter((c) => c.required))("$verb with an empty $name fails with code 4", async ({ verb, name }) => {
    const r = await cli({ env: envFor(verb, { [name]: "" }) });
    expect(r.json()).toMatchObject({ code: 4 });
    expect(r.calls).toHaveLength(0);
  });

  test.each(cases.filter((c) => !c.required))("$verb without $name succeeds", async ({ verb, name }) => {
    const r = await cli({ env: envFor(verb, {}, [name]) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(1);
  });

  test("ADD without several variables names them all in one error", async () => {
    const r = await cli({ env: { CNI_COMMAND: "ADD" } });
    expect(r.json()).toMatchObject({
      code: 4,
      msg: "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing for ADD",
    });
  });

  test("STATUS and GC pass empty container id and ifname to the runner", async () => {
    const r = await cli({ env: { CNI_COMMAND: "GC", CNI_PATH: "/opt/cni/bin" } });
    expect(r.code).toBe(0);
    expect(r.calls[0]).toMatchObject({ command: "GC", containerId: "", ifname: "", path: ["/opt/cni/bin"] });
    expect(r.calls[0]?.netns).toBeUndefined();
  });
});

describe("CNI_COMMAND", () => {
  test("without CNI_COMMAND prints the about text on stderr and exits 0, like skel", async () => {
    const r = await cli({ env: {} });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
    expect(r.calls).toHaveLength(0);
  });

  test("without CNI_COMMAND through a symlink, the about text names the plugin", async () => {
    const r = await cli({ env: {}, argv0: "/opt/cni/bin/bridge" });
    expect(r.stderr).toMatch(/^CNI bridge plugin \(a WebAssembly component run by wasm-cni\)\n/);
  });

  test.each(["FOO", "add", "Version"])("CNI_COMMAND=%s fails with code 4 unknown CNI_COMMAND", async (cmd) => {
    const r = await cli({ env: envFor(cmd) });
    expect(r.json()).toMatchObject({ code: 4, msg: `unknown CNI_COMMAND: ${cmd}` });
    expect(r.calls).toHaveLength(0);
  });
});

describe("CNI_CONTAINERID", () => {
  test.each(["-abc", "_abc", ".abc", "a b", "a/b", "a:b", "ä1"])("container id %j fails with code 4", async (id) => {
    const r = await cli({ env: envFor("ADD", { CNI_CONTAINERID: id }) });
    expect(r.json()).toMatchObject({ code: 4, msg: expect.stringMatching(/^CNI_CONTAINERID has invalid characters/) });
    expect(r.calls).toHaveLength(0);
  });

  test.each(["a", "0", "abc-DEF_1.2", "f".repeat(64)])("container id %j is accepted", async (id) => {
    const r = await cli({ env: envFor("DEL", { CNI_CONTAINERID: id }) });
    expect(r.code).toBe(0);
    expect(r.calls[0]?.containerId).toBe(id);
  });
});

describe("CNI_IFNAME", () => {
  test.each([
    ["a".repeat(16), "is longer than 15 bytes"],
    ["é".repeat(8), "is longer than 15 bytes"],
    [".", 'must not be "." or ".."'],
    ["..", 'must not be "." or ".."'],
    ["a/b", 'must not contain "/", ":" or whitespace'],
    ["eth0:1", 'must not contain "/", ":" or whitespace'],
    ["a b", 'must not contain "/", ":" or whitespace'],
    ["a\tb", 'must not contain "/", ":" or whitespace'],
    ["a\u00a0b", 'must not contain "/", ":" or whitespace'],
  ])("ifname %j fails with code 4 (%s)", async (ifname, why) => {
    const r = await cli({ env: envFor("CHECK", { CNI_IFNAME: ifname }) });
    expect(r.json()).toMatchObject({ code: 4, msg: `CNI_IFNAME ${why}` });
    expect(r.calls).toHaveLength(0);
  });

  test.each(["a".repeat(15), "é".repeat(7), "eth0.100", "veth-x_1"])("ifname %j is accepted", async (ifname) => {
    const r = await cli({ env: envFor("ADD", { CNI_IFNAME: ifname }) });
    expect(r.code).toBe(0);
    expect(r.calls[0]?.ifname).toBe(ifname);
  });

  test("GC ignores an invalid CNI_IFNAME it does not use", async () => {
    const r = await cli({ env: envFor("GC", { CNI_IFNAME: "a/b" }) });
    expect(r.code).toBe(0);
  });
});

describe("CNI_ARGS and CNI_PATH", () => {
  test.each(["FOO", "A=B=C", "=B", "A=1;", ";A=1", "A=1;;B=2"])("CNI_ARGS %j fails with code 4", async (args) => {
    const r = await cli({ env: envFor("ADD", { CNI_ARGS: args }) });
    expect(r.json()).toMatchObject({ code: 4, msg: expect.stringMatching(/^CNI_ARGS has an invalid pair/) });
    expect(r.calls).toHaveLength(0);
  });

  test("CNI_ARGS reaches the runner as ordered pairs", async () => {
    const r = await cli({ env: envFor("ADD", { CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web-0;EMPTY=" }) });
    expect(r.calls[0]?.args).toEqual([
      ["IgnoreUnknown", "1"],
      ["K8S_POD_NAME", "web-0"],
      ["EMPTY", ""],
    ]);
  });

  test("CNI_PATH is split on ':' with empty entries dropped", async () => {
    const r = await cli({ env: envFor("ADD", { CNI_PATH: "/opt/cni/bin::/usr/lib/cni:" }) });
    expect(r.calls[0]?.path).toEqual(["/opt/cni/bin", "/usr/lib/cni"]);
  });
});
