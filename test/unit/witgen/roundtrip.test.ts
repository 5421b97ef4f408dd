// Round trip through the generated AS bindings, jco's glue and loadComponent: the fixture
// plugin (test/fixtures/plugins/roundtrip) calls every host function; the fake host checks the
// arguments it lowered and the plugin reports, as JSON, every value it lifted.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildPlugin, type PluginMeta } from "../../../tools/plugin-build";
import { loadComponent, type LoadedComponent } from "../../../host/runtime/load-component";
import { FakeCapError, fakeHost, nulls } from "./fake-host";
import { CNI_ERROR, HOST_ERRORS, okA, okB } from "./host-values";

const ROOT = resolve(import.meta.dirname, "../../..");
let meta: PluginMeta;
let plugin: LoadedComponent;

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), "witgen-rt-"));
  meta = await buildPlugin(join(ROOT, "test/fixtures/plugins/roundtrip"), out, { root: ROOT });
  plugin = loadComponent(join(out, "roundtrip"));
}, 60_000);

const req = (config: string, args: [string, string][] = []) => ({ config, containerId: "ctr-ü", ifname: "eth0", netns: "/run/netns/ctr-ü", args });

const ROUTE_A = {
  dst: "10.2.0.0/16", gw: "10.1.0.1", dev: "eth0-ü", src: "10.1.0.2", table: 100, scope: "link",
  metric: 4294967295, mtu: 1400, advmss: 1360, onlink: true, protocol: 4,
};
const ROUTE_B = { dst: "::/0", onlink: false };

/** The calls the fixture makes with argument set A or B, given the netns id and bucket it got. */
function expectedCalls(a: boolean, ns: number, b: number): [string, unknown[]][] {
  return [
    ["netns.container", []],
    ["netns.host", []],
    ["link.list", [ns]],
    ["link.get", [ns, a ? "eth0-ü" : ""]],
    ["link.create", [ns, a
      ? { name: "veth-ü🙂", mtu: 1400, mac: "aa:bb:cc:dd:ee:ff", kind: { tag: "veth", val: { name: "peer0", ns: 9, mac: "02:00:00:00:00:01" } } }
      : { name: "", kind: { tag: "bridge", val: { vlanFiltering: false } } }]],
    ["link.set", [ns, "br0", a ? { up: true, mtu: 9000, mac: "0a:0b:0c:0d:0e:0f", master: "", promisc: false, allmulti: true, txqlen: 4096, alias: "αλιας" } : {}]],
    ["link.setPort", [ns, "veth0", a ? { hairpin: true, learning: false } : { isolated: true }]],
    ["link.delete", [ns, a ? "gone" : ""]],
    ["addr.list", [ns, a ? "" : "eth0", a ? "v6" : "all"]],
    ["addr.add", [ns, "eth0", a ? "10.1.0.2/24" : "", { dad: a }]],
    ["addr.delete", [ns, "eth0", "fd00::2/64"]],
    ["route.list", [ns, a ? "v4" : "v6", a]],
    ["route.add", [ns, a ? ROUTE_A : ROUTE_B]],
    ["route.replace", [ns, a ? ROUTE_B : ROUTE_A]],
    ["route.delete", [ns, ROUTE_A]],
    ["sysctl.get", [ns, "net.ipv4.ip_forward"]],
    ["sysctl.set", [ns, "net.ipv4.conf.eth0.rp_filter", a ? "1" : ""]],
    ["store.open", []],
    ["store.get", [b, "10.1.0.2"]],
    ["store.put", [b, "k", a ? `${"v".repeat(5000)}ü` : ""]],
    ["store.remove", [b, ""]],
    ["store.entries", [b]],
    ["log.write", [a ? "warn" : "debug", a ? "hello ü" : ""]],
    ["log.write", ["error", "second"]],
    ["ipam.add", []],
    ["ipam.check", []],
    ["ipam.del", []],
  ];
}

/** Drops undefined-valued keys, as toEqual would, so arrays of args compare exactly. */
const clean = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x === undefined ? undefined : x)));

const RESULT_FUNCS = Object.keys(okA);

function runAdd(config: "A" | "B", answer: (name: string) => unknown) {
  const host = fakeHost(answer);
  const r = plugin.instantiate(host.imports).add(req(config));
  if (!r.ok) throw new Error(`add failed: ${JSON.stringify(r.error)}`);
  return { host, out: JSON.parse(r.value) as { request: unknown; calls: Record<string, unknown> } };
}

describe("witgen round trip", () => {
  it("the component imports exactly the interfaces the plugin calls", () => {
    expect(meta.imports).toEqual([
      "cni:host/addr", "cni:host/ipam", "cni:host/link", "cni:host/log", "cni:host/netns", "cni:host/route",
      "cni:host/store", "cni:host/sysctl",
    ]);
    expect(plugin.imports).toEqual(meta.imports);
    expect(meta.exports).toEqual(["add", "check", "del", "gc", "status"]);
  });

  for (const [set, values] of [["A", okA], ["B", okB]] as const) {
    it(`set ${set}: every host function gets exact arguments and its ok value comes back exact`, () => {
      const { host, out } = runAdd(set, (name) => values[name]);
      const ns = values["netns.container"] as number;
      const b = values["store.open"] as number;
      expect(clean(host.calls)).toEqual(clean(expectedCalls(set === "A", ns, b)));
      for (const name of RESULT_FUNCS) expect(out.calls[name], name).toEqual({ ok: nulls(values[name]) });
    });
  }

  HOST_ERRORS.forEach((payload) => {
    it(`every host function returns err ${payload.tag} as the exact WIT error value`, () => {
      const { host, out } = runAdd("A", (name) =>
        name.startsWith("ipam.") ? new FakeCapError(CNI_ERROR) : name === "log.write" ? undefined : new FakeCapError(payload));
      expect(clean(host.calls)).toEqual(clean(expectedCalls(true, 0, 0)));
      for (const name of RESULT_FUNCS) {
        expect(out.calls[name], name).toEqual({ err: name.startsWith("ipam.") ? CNI_ERROR : payload });
      }
    });
  });

  it("a host function that throws a plain Error is a host bug: add throws, no result", () => {
    const host = fakeHost((name) => (name === "link.get" ? new Error("netlink: EPERM") : okA[name]));
    expect(() => plugin.instantiate(host.imports).add(req("A"))).toThrow("netlink: EPERM");
  });

  it("instantiate fails when an imported interface is missing", () => {
    const { imports } = fakeHost(() => undefined);
    delete imports["cni:host/link@0.1.0"];
    expect(() => plugin.instantiate(imports)).toThrow(/cni:host\/link/);
  });

  it("unversioned import keys work too", () => {
    const { imports } = fakeHost((name) => okA[name]);
    const bare = Object.fromEntries(Object.entries(imports).map(([k, v]) => [k.replace(/@.*$/, ""), v]));
    const r = plugin.instantiate(bare).add(req("A"));
    expect(r.ok).toBe(true);
  });
});

describe("witgen exports", () => {
  const args: [string, string][] = [
    ["IgnoreUnknown", "1"], ["K8S_POD_NAME", "pod-ü🙂"], ["", ""],
    ...Array.from({ length: 200 }, (_, i): [string, string] => [`k${i}`, "v".repeat(i)]),
  ];

  it("add lifts the request exactly (config, ids, args list) and returns its ok string", () => {
    const r = plugin.instantiate(fakeHost(() => undefined).imports).add(req('{"cniVersion":"1.0.0","name":"ü"}', args));
    expect(r.ok).toBe(true);
    const out = JSON.parse((r as { value: string }).value);
    expect(out).toEqual({ request: req('{"cniVersion":"1.0.0","name":"ü"}', args), calls: null });
  });

  it("a request with empty strings and no args lifts exactly", () => {
    const r = plugin.instantiate(fakeHost(() => undefined).imports).add({ config: "", containerId: "", ifname: "", netns: "", args: [] });
    expect(r).toEqual({ ok: true, value: JSON.stringify({ request: { config: "", containerId: "", ifname: "", netns: "", args: [] }, calls: null }) });
  });

  for (const verb of ["add", "del", "check", "status", "gc"] as const) {
    it(`${verb} returns err as a value with the exact cni-error`, () => {
      const x = plugin.instantiate(fakeHost(() => undefined).imports);
      const r = x[verb](req("err:107", args.slice(0, 3)));
      expect(r).toEqual({
        ok: false,
        error: { code: 107, msg: `${verb} failed: ü`, details: JSON.stringify(req("err:107", args.slice(0, 3))) },
      });
    });
  }

  for (const verb of ["del", "check", "status", "gc"] as const) {
    it(`${verb} returns ok with no value`, () => {
      const x = plugin.instantiate(fakeHost(() => undefined).imports);
      expect(x[verb](req(""))).toEqual({ ok: true, value: undefined });
    });
  }

  it("one instance serves many calls (memory released between them)", () => {
    const x = plugin.instantiate(fakeHost((name) => okA[name]).imports);
    for (let i = 0; i < 30; i++) {
      const r = x.add(req("A", args));
      expect(r.ok).toBe(true);
      expect(x.del(req(`err:${100 + i}`))).toMatchObject({ ok: false, error: { code: 100 + i } });
    }
  });
});
