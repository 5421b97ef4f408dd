import { describe, expect, test } from "vitest";
import { VALID_CONFIG, cli, envFor, wireMessage } from "./fake-cli";

describe("network config", () => {
  test.each([
    ["without name", { cniVersion: "1.1.0", type: "bridge" }, 7, 'network config: field "name" is required'],
    ["with an empty name", { ...VALID_CONFIG, name: "" }, 7, 'network config: field "name" must not be empty'],
    ["with a name holding a space", { ...VALID_CONFIG, name: "my net" }, 7, /^network config: field "name" has invalid characters: "my net"/],
    ["with a name starting with '-'", { ...VALID_CONFIG, name: "-net" }, 7, /^network config: field "name" has invalid characters/],
    ["without type", { cniVersion: "1.1.0", name: "n" }, 7, 'network config: field "type" is required'],
    ["with a numeric cniVersion", { ...VALID_CONFIG, cniVersion: 1 }, 7, 'network config: field "cniVersion" must be a string'],
    ["with ipam.type not a string", { ...VALID_CONFIG, ipam: { type: 3 } }, 7, 'network config: field "ipam.type" must be a string'],
    ["with ipMasq not a boolean", { ...VALID_CONFIG, ipMasq: "yes" }, 7, 'network config: field "ipMasq" must be a boolean'],
    ["with dns.nameservers not a list", { ...VALID_CONFIG, dns: { nameservers: "8.8.8.8" } }, 7, 'network config: field "dns.nameservers" must be an array'],
    ["with a non-boolean capability", { ...VALID_CONFIG, capabilities: { portMappings: 1 } }, 7, 'network config: field "capabilities.portMappings" must be a boolean'],
    ["with an unsupported cniVersion", { ...VALID_CONFIG, cniVersion: "0.9.0" }, 1, 'incompatible CNI versions; config is "0.9.0", plugin supports ["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'],
    ["with a pre-release cniVersion", { ...VALID_CONFIG, cniVersion: "1.1.0-rc1" }, 1, /^incompatible CNI versions; config is "1.1.0-rc1"/],
  ])("ADD %s fails with code %s", async (_what, stdin, code, msg) => {
    const r = await cli({ stdin });
    expect(r.code).toBe(1);
    expect(r.json()["code"]).toBe(code);
    if (typeof msg === "string") expect(wireMessage(r.json())).toBe(msg);
    else expect(wireMessage(r.json())).toMatch(msg);
    expect(r.calls).toHaveLength(0);
  });

  test("an incompatible version is reported in the host's own version", async () => {
    const r = await cli({ stdin: { ...VALID_CONFIG, cniVersion: "0.9.0" } });
    expect(r.json()["cniVersion"]).toBe("1.1.0");
  });

  test.each(["GC", "STATUS"])("%s with a 1.0.0 config fails with code 1", async (verb) => {
    const r = await cli({ env: envFor(verb), stdin: { ...VALID_CONFIG, cniVersion: "1.0.0" } });
    expect(r.json()).toMatchObject({ cniVersion: "1.0.0", code: 1, msg: `config version does not allow ${verb}` });
    expect(r.calls).toHaveLength(0);
  });

  test("CHECK with a 1.0.0 config reaches the runner", async () => {
    const r = await cli({ env: envFor("CHECK"), stdin: { ...VALID_CONFIG, cniVersion: "1.0.0" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.calls[0]?.command).toBe("CHECK");
  });

  test("plugin-specific keys and the raw text reach the runner unchanged", async () => {
    const text = JSON.stringify({ ...VALID_CONFIG, bridge: "cni0", isGateway: true, ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }]] } });
    const r = await cli({ stdin: text });
    expect(r.code).toBe(0);
    expect(r.calls[0]?.rawConfig).toBe(text);
    expect(r.calls[0]?.config).toMatchObject({ bridge: "cni0", isGateway: true, ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }]] } });
  });

  test("GC's valid attachments reach the runner", async () => {
    const attachments = [{ containerID: "c1", ifname: "eth0" }];
    const r = await cli({ env: envFor("GC"), stdin: { ...VALID_CONFIG, "cni.dev/valid-attachments": attachments } });
    expect(r.calls[0]?.config["cni.dev/valid-attachments"]).toEqual(attachments);
  });
});

describe("prevResult", () => {
  const prevResult = {
    cniVersion: "1.0.0",
    interfaces: [{ name: "eth0", sandbox: "/run/netns/test" }],
    ips: [{ address: "10.1.0.2/24", interface: 0 }],
  };

  test("a 1.0.0 prevResult reaches the runner as a 1.1.0 result", async () => {
    const r = await cli({ env: envFor("CHECK"), stdin: { ...VALID_CONFIG, cniVersion: "1.0.0", prevResult } });
    expect(r.calls[0]?.config.prevResult).toEqual({ ...prevResult, cniVersion: "1.1.0" });
    expect(r.calls[0]?.config.cniVersion).toBe("1.0.0");
  });

  test("a prevResult without cniVersion is read in the config's version", async () => {
    const { cniVersion: _v, ...bare } = prevResult;
    const r = await cli({ env: envFor("DEL"), stdin: { ...VALID_CONFIG, prevResult: bare } });
    expect(r.calls[0]?.config.prevResult).toMatchObject({ cniVersion: "1.1.0", ips: bare.ips });
  });

  test("a prevResult with a bad address fails with code 7 naming the field", async () => {
    const bad = { ...prevResult, ips: [{ address: "10.1.0.2" }] };
    const r = await cli({ env: envFor("CHECK"), stdin: { ...VALID_CONFIG, prevResult: bad } });
    expect(r.json()).toMatchObject({
      cniVersion: "1.1.0",
      code: 7,
      msg: 'network config: field "prevResult.ips[0].address" must be an IP address in CIDR notation (e.g. 10.1.0.2/24)',
    });
    expect(r.calls).toHaveLength(0);
  });

  test("a prevResult of an unsupported version fails with code 7", async () => {
    const r = await cli({ env: envFor("DEL"), stdin: { ...VALID_CONFIG, prevResult: { ...prevResult, cniVersion: "0.9.0" } } });
    expect(r.json()).toMatchObject({ code: 7, msg: expect.stringMatching(/^network config: field "prevResult.cniVersion" is "0.9.0"/) });
  });
});
