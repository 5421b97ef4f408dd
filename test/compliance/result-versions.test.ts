// SPEC.md section 5 "ADD Success", for each version a runtime asks for: the plugin writes the
// result in the config's cniVersion (the host converts), with the fields that version defines,
// and the same result as the Go reference plugin (v1.1.1 speaks up to 1.0.0).
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../tools/conflist-runner";
import { attachment, bridgePlugin, conflist, GO_BIN, netns, network, OURS, runnerFor, SPEC_VERSIONS, type Net } from "./compliance-fixture";

type Result = { cniVersion: string; interfaces: { name: string; mac?: string; sandbox?: string }[]; ips: JsonObject[]; routes?: JsonObject[]; dns?: JsonObject };

/** One ADD of `plugins` through the runner over `bin`, in a fresh host and container netns. */
function addWith(bin: string, version: string, plugins: (net: Net) => JsonObject[]): { r: Result; sandbox: string } {
  const host = netns("h"), c = netns("c"), net = network("rv");
  const { runner } = runnerFor(bin, host, net);
  const r = runner.add(conflist(net, version, plugins(net)), attachment(c)) as Result;
  return { r, sandbox: c.path };
}

/** MACs, veth names, sandbox paths and names blanked: what differs by design between two runs. */
function normalize(r: Result, sandbox: string, net?: Net): Result {
  const out = structuredClone(r);
  for (const it of out.interfaces) {
    if (it.mac !== undefined) it.mac = it.mac === "00:00:00:00:00:00" ? it.mac : "<mac>";
    if (/^veth[0-9a-f]{8}$/.test(it.name)) it.name = "<veth>";
    if (net && it.name === net.bridge) it.name = "<bridge>";
    if (it.sandbox === sandbox) it.sandbox = "<netns>";
  }
  for (const ip of out.ips) if (net) ip["address"] = String(ip["address"]).replace(net.prefix, "<net>."), ip["gateway"] &&= String(ip["gateway"]).replace(net.prefix, "<net>.");
  return out;
}

const VERSIONED_IP = (v: string) => v === "0.3.1" || v === "0.4.0";

describe("ADD result per requested version", () => {
  for (const version of SPEC_VERSIONS) {
    for (const plugin of ["bridge", "ptp"] as const) {
      it(`${plugin} ADD at ${version} returns a ${version} result: interfaces with the container's sandbox, ips pointing at it${VERSIONED_IP(version) ? ", ips[].version" : ""}`, () => {
        const { r, sandbox } = addWith(OURS, version, (net) => [{ ...bridgePlugin(net), type: plugin }]);
        expect(r.cniVersion).toBe(version);
        const inContainer = r.interfaces.findIndex((i) => i.sandbox === sandbox);
        expect(r.interfaces[inContainer]?.name).toBe("eth0");
        expect(r.ips).toHaveLength(1);
        expect(r.ips[0]).toMatchObject({ interface: inContainer, address: expect.stringMatching(/^10\.\d+\.\d+\.2\/24$/), gateway: expect.stringMatching(/\.1$/) });
        expect("version" in r.ips[0]!).toBe(VERSIONED_IP(version));
        if (VERSIONED_IP(version)) expect(r.ips[0]!["version"]).toBe("4");
        expect(r.routes).toEqual([{ dst: "0.0.0.0/0" }]);
        for (const i of r.interfaces) expect(i.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      });
    }

    it(`loopback ADD at ${version} returns lo with its addresses in the ${version} shape`, () => {
      const { r, sandbox } = addWith(OURS, version, () => [{ type: "loopback" }]);
      expect(r.cniVersion).toBe(version);
      expect(r.interfaces).toEqual([{ name: "lo", mac: "00:00:00:00:00:00", sandbox }]);
      const v4 = { interface: 0, address: "127.0.0.1/8", ...(VERSIONED_IP(version) && { version: "4" }) };
      const v6 = { interface: 0, address: "::1/128", ...(VERSIONED_IP(version) && { version: "6" }) };
      expect(r.ips).toEqual([v4, v6]);
    });
  }
});

describe("ADD result parity with the Go reference plugins", () => {
  for (const version of SPEC_VERSIONS) {
    const goVersion = version === "1.1.0" ? "1.0.0" : version;
    for (const plugin of ["bridge", "ptp", "loopback"] as const) {
      it(`${plugin} at ${version} returns what Go's ${plugin} returns at ${goVersion}, but for MACs, veth names and Go's empty dns`, () => {
        const nets: Net[] = [];
        const plugins = (net: Net) => (nets.push(net), [plugin === "loopback" ? { type: "loopback" } : { ...bridgePlugin(net), type: plugin }]);
        const ours = addWith(OURS, version, plugins);
        const go = addWith(GO_BIN, goVersion, plugins);
        const g = normalize(go.r, go.sandbox, nets[1]);
        // Go's encoder writes "dns": {} at every version; the host writes it below 1.0.0 only.
        if (version === "1.0.0" || version === "1.1.0") delete g.dns;
        // Go's loopback leaves ips[].version out below 1.0.0, which those versions require (a difference on purpose).
        if (plugin === "loopback" && VERSIONED_IP(version)) for (const ip of g.ips) ip["version"] = String(ip["address"]).includes(":") ? "6" : "4";
        expect(normalize(ours.r, ours.sandbox, nets[0])).toEqual({ ...g, cniVersion: version });
      });
    }
  }
});
