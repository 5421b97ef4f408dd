// bridge's `vlan` with `isGateway` path against a recording host: this kernel refuses bridge
// VLAN filtering, so the integration test (test/integration/plugins/bridge.test.ts) can only
// see the refusal and the rollback. This test of the call sequence is not the test of record
// of any kernel behaviour: each request it names is golden-tested against iproute2 elsewhere.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { LinkInfo } from "../../../host/generated/interfaces/cni-host-link";
import { type LoadedComponent, loadComponent } from "../../../host/runtime/load-component";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

let bridge: LoadedComponent;

beforeAll(async () => {
  bridge = loadComponent(join(await buildPluginUnderTest("bridge"), "bridge"));
}, 120_000);

class Err {
  constructor(readonly payload: unknown) {}
}

/** Links by namespace (0 host, 1 container) and name, and every call the plugin made. */
function recordingHost() {
  const links = new Map<string, LinkInfo>();
  const calls: [string, unknown[]][] = [];
  let index = 10;
  const key = (ns: number, name: string) => `${ns}/${name}`;
  const make = (ns: number, name: string, kind: string): LinkInfo => {
    const l: LinkInfo = {
      index: index++, name, kind, mtu: 1500, mac: `02:00:00:00:00:${index.toString(16).padStart(2, "0")}`, up: false,
      promisc: false, master: 0, peerIndex: 0, alias: "", parentBus: "", parentDev: "",
    };
    links.set(key(ns, name), l);
    return l;
  };
  const get = (ns: number, name: string): LinkInfo => {
    const l = links.get(key(ns, name));
    if (!l) throw new Err({ tag: "not-found", val: `link ${name}` });
    return l;
  };
  const rec = <A extends unknown[], R>(name: string, fn: (...a: A) => R) => (...a: A): R => {
    calls.push([name, a]);
    return fn(...a);
  };
  const ok = () => undefined;
  type Kind = { tag: string; val: { name: string; ns: number } };
  const imports: Record<string, object> = {
    "cni:host/netns@0.1.0": { container: rec("netns.container", () => 1), host: rec("netns.host", () => 0) },
    "cni:host/link@0.1.0": {
      list: rec("link.list", (ns: number) => [...links].filter(([k]) => k.startsWith(`${ns}/`)).map(([, l]) => l)),
      get: rec("link.get", get),
      create: rec("link.create", (ns: number, spec: { name: string; kind: Kind }) => {
        if (links.has(key(ns, spec.name))) throw new Err({ tag: "exists", val: spec.name });
        const l = make(ns, spec.name, spec.kind.tag);
        if (spec.kind.tag === "veth") {
          const peer = make(spec.kind.val.ns, spec.kind.val.name, "veth");
          [l.peerIndex, peer.peerIndex] = [peer.index, l.index];
        }
        return l;
      }),
      set: rec("link.set", (ns: number, name: string, change: { up?: boolean; master?: string; mac?: string }) => {
        const l = get(ns, name);
        if (change.up !== undefined) l.up = change.up;
        if (change.master) l.master = get(ns, change.master).index;
        if (change.mac) l.mac = change.mac;
        return l;
      }),
      setPort: rec("link.setPort", ok),
      addPortVlans: rec("link.addPortVlans", ok),
      removePortVlans: rec("link.removePortVlans", ok),
      portVlans: rec("link.portVlans", () => []),
      delete: rec("link.delete", (ns: number, name: string) => void links.delete(key(ns, name))),
    },
    "cni:host/addr@0.1.0": {
      list: rec("addr.list", () => []), add: rec("addr.add", ok), delete: rec("addr.delete", ok), settle: rec("addr.settle", ok),
    },
    "cni:host/route@0.1.0": {
      list: rec("route.list", () => []), add: rec("route.add", ok), replace: rec("route.replace", ok), delete: rec("route.delete", ok),
    },
    "cni:host/sysctl@0.1.0": { get: rec("sysctl.get", () => "0"), set: rec("sysctl.set", ok) },
    "cni:host/log@0.1.0": { write: rec("log.write", ok) },
    "cni:host/firewall@0.1.0": new Proxy({}, { get: (_t, fn: string) => rec(`firewall.${fn}`, ok) }),
    "cni:host/ipam@0.1.0": {
      add: rec("ipam.add", () => JSON.stringify({
        cniVersion: "1.1.0", ips: [{ address: "10.10.0.2/24", gateway: "10.10.0.1" }], routes: [{ dst: "0.0.0.0/0" }],
      })),
      check: rec("ipam.check", ok), del: rec("ipam.del", ok), status: rec("ipam.status", ok), gc: rec("ipam.gc", ok),
    },
  };
  return { imports, calls, links };
}

const CONFIG = JSON.stringify({
  cniVersion: "1.1.0", name: "vl", type: "bridge", bridge: "cni0", isGateway: true, vlan: 100, preserveDefaultVlan: false,
  ipam: { type: "host-local", subnet: "10.10.0.0/24" },
});
const request = (containerId: string) => ({ config: CONFIG, containerId, ifname: "eth0", netns: `/run/netns/${containerId}`, args: [] });

describe("bridge vlan with isGateway (recording host)", () => {
  it("ADD makes cni0.100, a veth whose peer is a bridge port with PVID 100, and puts the gateway on it, not on the bridge", () => {
    const host = recordingHost();
    const r = bridge.instantiate(host.imports).add(request("a"));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const result = JSON.parse(r.value) as { interfaces: { name: string }[]; ips: { interface: number; gateway: string }[] };
    expect(result.interfaces.map((i) => i.name)).toEqual(["cni0", expect.stringMatching(/^veth/), "eth0", "cni0.100"]);
    expect(result.ips).toEqual([{ interface: 2, address: "10.10.0.2/24", gateway: "10.10.0.1" }]);

    const gw = host.links.get("0/cni0.100")!;
    const peer = [...host.links.values()].find((l) => l.index === gw.peerIndex)!;
    expect(gw).toMatchObject({ kind: "veth", up: true, master: 0 });
    expect(peer).toMatchObject({ up: true, master: host.links.get("0/cni0")!.index });
    const named = (fn: string) => host.calls.filter(([f]) => f === fn).map(([, a]) => a);
    expect(named("link.removePortVlans")).toContainEqual([0, peer.name, [{ id: 1, pvid: false, untagged: false }]]);
    expect(named("link.addPortVlans")).toContainEqual([0, peer.name, [{ id: 100, pvid: true, untagged: true }]]);
    expect(named("addr.add")).toContainEqual([0, "cni0.100", "10.10.0.1/24", { dad: false }]);
    expect(named("addr.add").filter(([, dev]) => dev === "cni0")).toEqual([]);
  });

  it("a second container's ADD reuses the gateway interface", () => {
    const host = recordingHost();
    const plugin = bridge.instantiate(host.imports);
    expect(plugin.add(request("a")).ok).toBe(true);
    host.calls.length = 0;
    host.links.delete("1/eth0"); // the fake has one container netns: b's eth0 goes where a's was
    const r = plugin.add(request("b"));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(host.calls.filter(([f, a]) => f === "link.create" && (a[1] as { name: string }).name === "cni0.100")).toEqual([]);
  });
});
