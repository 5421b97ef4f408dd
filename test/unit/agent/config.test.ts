import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { AgentConfigError, parseAgentConfig } from "../../../host/agent/config";

const minimal = {
  etcd: { endpoints: ["http://10.0.0.254:2379"] },
  network: "overlay",
  clusterCidr: "10.244.0.0/16",
  underlay: { link: "eth0" },
  conflist: { path: "/etc/cni/net.d/10-wasm-cni.conflist", name: "cluster" },
};

describe("agent config", () => {
  it("fills in the defaults: host name, prefix, lengths, TTL, controller <network>-controller, stateDir", () => {
    expect(parseAgentConfig(minimal, "f")).toEqual({
      ...minimal,
      nodeName: hostname(),
      etcd: { endpoints: ["http://10.0.0.254:2379"], prefix: "/wasm-cni", timeoutMs: 5000 },
      subnetLength: 24,
      subnetLength6: 80,
      leaseTtl: 10,
      controller: { plugin: "overlay-controller", options: {} },
      stateDir: "/run/wasm-cni/agent",
      resyncSeconds: 60,
    });
    expect(parseAgentConfig({ ...minimal, network: "routed", controller: { options: { x: 1 } } }, "f").controller).toEqual({ plugin: "routed-controller", options: { x: 1 } });
  });

  it.each([
    [{ ...minimal, etcd: { endpoints: ["http://x:1"], prefix: "/wasm-cni/" } }, 'agent config f: field "etcd.prefix" must start with "/" and not end with "/"'],
    [{ ...minimal, leaseTtl: 0 }, 'agent config f: field "leaseTtl" must be >= 1'],
    [{ ...minimal, clusterCidr6: "10.1.0.0/16" }, 'agent config f: field "clusterCidr6" must be an IPv6 CIDR (got 10.1.0.0/16)'],
    [{ ...minimal, conflist: { path: "/x", name: "bad name" } }, 'agent config f: field "conflist.name" has invalid characters'],
    [{ ...minimal, underlay: undefined }, 'agent config f: field "underlay" is required'],
  ])("%j is refused: %s", (cfg, message) => {
    expect(() => parseAgentConfig(cfg, "f")).toThrow(AgentConfigError);
    expect(() => parseAgentConfig(cfg, "f")).toThrow(message);
  });
});
