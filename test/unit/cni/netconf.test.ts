import { describe, expect, test } from "vitest";
import { parseNetConf } from "../../../host/cni/netconf";

describe("parseNetConf", () => {
  test("a minimal config parses and keeps unknown keys", () => {
    const conf = parseNetConf('{"cniVersion":"1.1.0","name":"n","type":"bridge","mtu":1400}');
    expect(conf).toEqual({ cniVersion: "1.1.0", name: "n", type: "bridge", mtu: 1400 });
  });

  test("a config without cniVersion is read as 0.1.0, like libcni", () => {
    expect(parseNetConf('{"name":"n","type":"bridge"}').cniVersion).toBe("0.1.0");
  });

  test("the spec's example plugin config parses", () => {
    const conf = parseNetConf(
      JSON.stringify({
        cniVersion: "1.1.0",
        name: "dbnet",
        type: "bridge",
        bridge: "cni0",
        keyA: ["some more", "plugin specific", "configuration"],
        ipam: { type: "host-local", subnet: "10.1.0.0/16", gateway: "10.1.0.1" },
        dns: { nameservers: ["10.1.0.1"] },
        args: { labels: { appVersion: "1.0" } },
        runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] },
        capabilities: { portMappings: true },
        ipMasq: true,
      }),
    );
    expect(conf.ipam).toEqual({ type: "host-local", subnet: "10.1.0.0/16", gateway: "10.1.0.1" });
    expect(conf["keyA"]).toEqual(["some more", "plugin specific", "configuration"]);
  });

  test("an empty ipam object is accepted (plugins without IPAM)", () => {
    expect(parseNetConf('{"cniVersion":"1.1.0","name":"n","type":"tuning","ipam":{}}').ipam).toEqual({});
  });

  test.each([
    ["{", 6, /^network config is not valid JSON/],
    ["42", 6, "network config must be a JSON object, got a number"],
    ['{"cniVersion":"1.1.0","type":"bridge"}', 7, 'network config: field "name" is required'],
    ['{"cniVersion":"1.1.0","name":"n","type":""}', 7, 'network config: field "type" must not be empty'],
    ['{"cniVersion":"1.1.0","name":"n","type":"b","ipam":[]}', 7, 'network config: field "ipam" must be an object'],
    ['{"cniVersion":"1.1.0","name":"n","type":"b","prevResult":"x"}', 7, 'network config: field "prevResult" must be an object'],
    ['{"cniVersion":"1.1.0","name":"n","type":"b","cni.dev/valid-attachments":[{"containerID":"c"}]}', 7, 'network config: field "cni.dev/valid-attachments[0].ifname" is required'],
  ])("%s fails with code %i", (text, code, msg) => {
    expect(() => parseNetConf(text)).toThrow(expect.objectContaining({ code, msg: typeof msg === "string" ? msg : expect.stringMatching(msg) }));
  });
});

describe("nesting depth", () => {
  const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
  const config = (inner: string) => `{"cniVersion":"0.2.0","name":"n","type":"b","x":${inner}}`;

  test("128 levels (the plugins' limit, the config object counting as one) pass", () => {
    expect(parseNetConf(config(nested(127)))).toMatchObject({ name: "n" });
  });

  test.each([129, 400_000])("%i levels fail with code 6 before any recursive step can overflow", (levels) => {
    expect(() => parseNetConf(config(nested(levels - 1)))).toThrow(
      expect.objectContaining({ code: 6, msg: "network config nests arrays or objects deeper than 128 levels" }),
    );
  });
});
