// vrf's guest logic against the authors' in-memory host (tools/plugin-harness.ts): this
// machine's kernel has no vrf driver, so what the plugin does once the VRF exists (enslave,
// put back IPv6 addresses, move routes, free and delete) is tested here; the kernel's refusal
// and the request bytes in test/integration/plugins/vrf.test.ts and test/golden/link-kinds.test.ts.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Harness, loadPlugin } from "../../../tools/plugin-harness";
import { buildPluginUnderTest } from "../../../test/helpers/plugin-under-test";

let wasm: string;

beforeAll(async () => {
  wasm = join(await buildPluginUnderTest("vrf"), "vrf.wasm");
}, 120_000);

const CONF = {
  cniVersion: "1.1.0", name: "vrf-net", type: "vrf", vrfname: "vrf0",
  prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.1.0.2/24", interface: 0 }] },
};

/** A container with eth0 (10.1.0.2/24, fd00::2/64) and routes a main plugin left: connected, and via a gateway. */
function harness(): Harness {
  const h = loadPlugin(wasm);
  h.addLink("container", "eth0", { kind: "veth", up: true, addrs: ["10.1.0.2/24", "fd00::2/64"] });
  h.state.container.routes.push(
    { dst: "10.1.0.0/24", dev: "eth0", scope: "link", onlink: false },
    { dst: "10.9.0.0/16", gw: "10.1.0.1", dev: "eth0", onlink: false },
  );
  return h;
}

describe("vrf (in-memory host)", () => {
  it("ADD makes vrf0 up with the config's table, enslaves eth0 and moves its gateway route into the table", () => {
    const h = harness();
    const r = h.add({ ...CONF, table: 10 });
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ ips: [{ address: "10.1.0.2/24", interface: 0 }] }) });
    const vrf = h.state.container.links.get("vrf0")!;
    expect(vrf).toMatchObject({ kind: "vrf", vrfTable: 10, up: true });
    expect(h.state.container.links.get("eth0")!.master).toBe(vrf.index);
    expect(h.state.container.routes).toContainEqual(expect.objectContaining({ dst: "10.9.0.0/16", gw: "10.1.0.1", table: 10 }));
    expect(h.check({ ...CONF, table: 10 })).toEqual({ ok: true, value: undefined });
  });

  it("without table the first table no VRF uses is taken", () => {
    const h = harness();
    h.addLink("container", "other", { kind: "vrf", vrfTable: 1 } as never);
    expect(h.add(CONF).ok).toBe(true);
    expect(h.state.container.links.get("vrf0")!.vrfTable).toBe(2);
  });

  it("an existing VRF of another table is an error, and so is an interface with a master", () => {
    const h = harness();
    h.addLink("container", "vrf0", { kind: "vrf", vrfTable: 20 } as never);
    expect(h.add({ ...CONF, table: 10 })).toEqual({ ok: false, error: expect.objectContaining({ code: 999, msg: "VRF vrf0 already exists with routing table 20, not 10" }) });
    h.state.container.links.get("eth0")!.master = 99;
    expect(h.add(CONF)).toEqual({ ok: false, error: expect.objectContaining({ msg: "interface eth0 has already a master set (ifindex 99)" }) });
  });

  it("an IPv6 address the kernel dropped on enslaving is put back", () => {
    const h = harness();
    h.script("link.set", ((_ns: number, name: string, change: { master?: string; up?: boolean }) => {
      const l = h.state.container.links.get(name)!;
      if (change.master !== undefined) {
        l.master = h.state.container.links.get(change.master)!.index;
        l.addrs = l.addrs.filter((a) => !a.includes(":")); // without keep_addr_on_down
      }
      if (change.up !== undefined) l.up = change.up;
      const { addrs: _, ...info } = l;
      return info;
    }) as never);
    expect(h.add(CONF).ok).toBe(true);
    expect(h.state.container.links.get("eth0")!.addrs).toEqual(["10.1.0.2/24", "fd00::2/64"]);
  });

  it("DEL frees eth0 and deletes the VRF once nothing is in it; DEL again succeeds", () => {
    const h = harness();
    expect(h.add(CONF).ok).toBe(true);
    expect(h.del(CONF)).toEqual({ ok: true, value: undefined });
    expect(h.state.container.links.get("eth0")!.master).toBe(0);
    expect(h.state.container.links.has("vrf0")).toBe(false);
    expect(h.del(CONF)).toEqual({ ok: true, value: undefined });
  });
});
