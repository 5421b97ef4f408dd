// bridge's `vlan` with `isGateway` path against a recording host: this kernel refuses bridge
// VLAN filtering, so the integration test (test/integration/plugins/bridge.test.ts) can only
// see the refusal and the rollback. This test of the call sequence is not the test of record
// of any kernel behaviour: each request it names is golden-tested against iproute2 elsewhere.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { LinkInfo } from "../../../host/generated/interfaces/cni-host-link";
import { type LoadedComponent, loadComponent } from "../../../host/runtime/load-component";
import { buildPluginUnderTest } from "../../../test/helpers/plugin-under-test";

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
      promisc: false, allmulti: false, txqlen: 1000, master: 0, peerIndex: 0, alias: "", parentBus: "", parentDev: "",
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

const config = (extra: Record<string, unknown> = {}) => JSON.stringify({
  cniVersion: "1.1.0", name: "vl", type: "bridge", bridge: "cni0", isGateway: true, vlan: 100, preserveDefaultVlan: false,
  ipam: { type: "host-local", subnet: "10.10.0.0/24" }, ...extra,
});
const request = (containerId: string, extra: Record<string, unknown> = {}) => ({ config: config(extra), containerId, ifname: "eth0", netns: `/run/netns/${containerId}`, args: [] });

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

// Go since v1.8.0 (setupVeth): `vlan` is the native VLAN of a trunk port; a trunk without
// `vlan` gets VLAN 1 as native. Ours sends the native VLAN after the trunk so that it stays the
// PVID when the trunk names it too (the kernel replaces a VLAN's flags on a second add).
describe("bridge vlan with vlanTrunk (recording host)", () => {
  const portCalls = (host: ReturnType<typeof recordingHost>, port: string) =>
    host.calls.filter(([f, a]) => f.endsWith("PortVlans") && f !== "link.portVlans" && a[1] === port).map(([f, a]) => [f, a[2]]);
  const tagged = (id: number, last?: number) => ({ id, pvid: false, untagged: false, ...(last ? { last } : {}) });
  const native = (id: number) => ({ id, pvid: true, untagged: true });

  it("vlan 150 with a trunk 101-200 and 300: VLAN 1 removed, the trunk tagged, then 150 as PVID untagged; the gateway's port gets 150 only", () => {
    const host = recordingHost();
    const r = bridge.instantiate(host.imports).add(request("a", { vlan: 150, vlanTrunk: [{ minID: 101, maxID: 200 }, { id: 300 }] }));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const port = (JSON.parse((r as { value: string }).value) as { interfaces: { name: string }[] }).interfaces[1]!.name;
    expect(portCalls(host, port)).toEqual([
      ["link.removePortVlans", [tagged(1)]],
      ["link.addPortVlans", [tagged(101, 200), tagged(300), native(150)]],
    ]);
    const gw = host.links.get("0/cni0.150")!;
    const gwPeer = [...host.links.values()].find((l) => l.index === gw.peerIndex)!;
    expect(portCalls(host, gwPeer.name)).toEqual([["link.removePortVlans", [tagged(1)]], ["link.addPortVlans", [native(150)]]]);
  });

  it("a trunk without vlan: VLAN 1 comes back as the native VLAN after the trunk, with or without preserveDefaultVlan", () => {
    for (const preserveDefaultVlan of [false, true]) {
      const host = recordingHost();
      const r = bridge.instantiate(host.imports).add(request("a", { vlan: 0, isGateway: false, preserveDefaultVlan, vlanTrunk: [{ id: 5 }] }));
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const port = (JSON.parse((r as { value: string }).value) as { interfaces: { name: string }[] }).interfaces[1]!.name;
      expect(portCalls(host, port)).toEqual([
        ...(preserveDefaultVlan ? [] : [["link.removePortVlans", [tagged(1)]]]),
        ["link.addPortVlans", [tagged(5), native(1)]],
      ]);
    }
  });

  it("CHECK of vlan with a trunk accepts the VLANs ADD gave (then fails on the fake's missing address) and names the native VLAN when it is only tagged", () => {
    const host = recordingHost();
    const extra = { vlan: 150, isGateway: false, vlanTrunk: [{ minID: 101, maxID: 200 }] };
    const add = bridge.instantiate(host.imports).add(request("a", extra));
    expect(add.ok, JSON.stringify(add)).toBe(true);
    const prevResult = JSON.parse((add as { value: string }).value) as object;
    // The kernel's dump of the port, as a kernel with VLAN filtering would list it.
    const check = (have: object[]) => {
      const links = { ...host.imports["cni:host/link@0.1.0"], portVlans: () => have };
      return bridge.instantiate({ ...host.imports, "cni:host/link@0.1.0": links }).check({ ...request("a", extra), config: config({ ...extra, prevResult }) });
    };
    // The fake holds no addresses: CHECK gets past the port's VLANs and stops at the address.
    expect(JSON.stringify(check([tagged(101, 149), native(150), tagged(151, 200)]))).toContain("failed to match addr 10.10.0.2/24 on eth0");
    const bad = check([tagged(101, 200)]);
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).toContain("carries vid 150, the config vid 150 pvid untagged");
  });
});
