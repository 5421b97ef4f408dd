// tap through the host binary, exec'd inside a test-made "host" netns. Debian's Go plugins
// (v1.1.1) have no tap: these tests follow the upstream docs and code (plugins/main/tap), and
// compare the device with what upstream's own path makes, `ip tuntap add mode tap ...`.
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { createNetns, netnsPerTest, ipJson, type TestNetns } from "../../helpers/netns";
import {
  call, type Caller, globalAddrs, type IpLink, linkNames, network, type Net, ok, pings, pluginBinary, reservations, routeTable,
} from "./attach-fixture";

/** Why tap devices cannot be made here, or "" when they can (probed once). */
function tunMissing(): string {
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing in the sandbox";
  const probe = createNetns("probe");
  try {
    probe.exec("ip", ["tuntap", "add", "mode", "tap", "name", "probe0"]);
    return "";
  } catch (e) {
    return `ip tuntap add fails here: ${String(e)}`;
  } finally {
    probe.remove();
  }
}
const SKIP = tunMissing();

let p: Caller;

beforeAll(async () => {
  p = { pluginDir: await buildPluginsUnderTest(["tap", "host-local", "static"]), binary: pluginBinary("tap") };
}, 300_000);


const netns = netnsPerTest();

const V4 = { ranges: [[{ subnet: "10.50.0.0/24", gateway: "10.50.0.1" }]], routes: [{ dst: "0.0.0.0/0" }] };

function conf(net: Net, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = V4, cniVersion = "1.0.0") {
  return { cniVersion, name: net.name, type: "tap", ...extra, ...(ipam && { ipam: { type: "host-local", dataDir: net.dataDir, ...ipam } }) };
}

interface TunData { type?: string; pi?: boolean; vnet_hdr?: boolean; multi_queue?: boolean; persist?: boolean; user?: number | string; group?: number | string }
type TapLink = IpLink & { linkinfo?: { info_kind?: string; info_data?: TunData } };
/** `ip -d link show`; ids without a name in /etc/passwd print as numbers, so the tests use those. */
const details = (ns: TestNetns, name: string): TapLink | undefined =>
  ipJson<TapLink[]>(ns, ["-d", "link", "show"]).find((l) => l.ifname === name);

describe.skipIf(SKIP !== "")(`tap ADD${SKIP ? ` (skipped: ${SKIP})` : ""}`, () => {
  for (const version of ["0.4.0", "1.0.0", "1.1.0"]) {
    it(`ADD makes eth0 a persistent tap with the IPAM address and routes (cniVersion ${version})`, () => {
      const host = netns("h"), c = netns("c"), net = network("tap");
      const r = ok(call(p, "ADD", conf(net, {}, V4, version), c, host));
      const eth0 = details(c, "eth0")!;
      expect(eth0.linkinfo?.info_kind).toBe("tun");
      expect(eth0.linkinfo?.info_data).toMatchObject({ type: "tap", pi: false, vnet_hdr: false, multi_queue: false, persist: true });
      expect(eth0.flags).toContain("UP");
      expect(globalAddrs(c, "eth0")).toEqual(["10.50.0.2/24"]);
      expect(routeTable(c)).toContain("default via 10.50.0.1 dev eth0");
      expect(linkNames(host)).toEqual(["lo"]); // nothing in the host netns
      expect(r.interfaces).toEqual([{ name: "eth0", mac: eth0.address, sandbox: c.path }]);
      if (version !== "0.4.0") expect(r.ips).toEqual([{ interface: 0, address: "10.50.0.2/24", gateway: "10.50.0.1" }]);
    });
  }

  it("mtu, a runtimeConfig MAC, multiQueue, owner and group reach the device (vnet_hdr with both, as Go's netlink path)", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    const r = ok(call(p, "ADD", conf(net, { mtu: 1400, multiQueue: true, owner: 54321, group: 54322, runtimeConfig: { mac: "0a:58:0a:32:00:99" } }), c, host));
    const eth0 = details(c, "eth0")!;
    expect([eth0.mtu, eth0.address]).toEqual([1400, "0a:58:0a:32:00:99"]);
    expect(eth0.linkinfo?.info_data).toMatchObject({ multi_queue: true, vnet_hdr: true, user: 54321, group: 54322 });
    expect(r.interfaces[0].mac).toBe("0a:58:0a:32:00:99");
  });

  it("owner alone sets the owner and leaves no group, as `ip tuntap add ... user` does", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    ok(call(p, "ADD", conf(net, { owner: 54321 }, null), c, host));
    const data = details(c, "eth0")!.linkinfo?.info_data;
    expect([data?.user, data?.group, data?.vnet_hdr]).toEqual([54321, undefined, false]);
  });

  it("a CNI_ARGS MAC wins over the config's", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    ok(call(p, "ADD", conf(net, { mac: "0a:00:00:00:00:01" }, null), c, host, { args: "IgnoreUnknown=1;MAC=0a:00:00:00:00:02" }));
    expect(details(c, "eth0")!.address).toBe("0a:00:00:00:00:02");
  });

  it("bridge makes the tap a port of a bridge in the container netns", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    c.exec("ip", ["link", "add", "br0", "type", "bridge"]);
    ok(call(p, "ADD", conf(net, { bridge: "br0" }, null), c, host));
    expect(details(c, "eth0")!.master).toBe("br0");
  });

  it("without ipam the tap is only brought up (layer 2)", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    const r = ok(call(p, "ADD", conf(net, {}, null), c, host));
    expect(r.ips).toBeUndefined();
    expect(details(c, "eth0")!.flags).toContain("UP");
  });

  it("a bridge and a tap reach another netns over a veth on the same bridge", () => {
    const host = netns("h"), c = netns("c"), other = netns("o"), net = network("tap");
    c.exec("ip", ["link", "add", "br0", "type", "bridge"]);
    c.exec("ip", ["addr", "add", "10.50.0.1/24", "dev", "br0"]);
    c.exec("ip", ["link", "set", "br0", "up"]);
    ok(call(p, "ADD", conf(net, { bridge: "br0" }, null), c, host));
    c.exec("ip", ["link", "add", "v0", "master", "br0", "up", "type", "veth", "peer", "name", "v1", "netns", other.name]);
    other.exec("ip", ["addr", "add", "10.50.0.9/24", "dev", "v1"]);
    other.exec("ip", ["link", "set", "v1", "up"]);
    expect(pings(other, "10.50.0.1")).toBe(true); // the bridge stays usable with a tap port
  });
});

describe.skipIf(SKIP !== "")("tap failures", () => {
  it.each([
    ["an selinuxcontext", { selinuxcontext: "system_u:system_r:container_t:s0" }, 'field "selinuxcontext" is not supported'],
    ["an selinuxContext", { selinuxContext: "system_u:system_r:container_t:s0" }, 'field "selinuxContext" is not supported'],
    ["a malformed MAC", { mac: "zz" }, 'field "mac" must be a MAC address'],
    ["a negative owner", { owner: -1 }, 'field "owner"'],
    ["a string mtu", { mtu: "1400" }, 'field "mtu"'],
    ["a multiQueue that is not a bool", { multiQueue: "yes" }, 'field "multiQueue"'],
  ])("a config with %s fails with code 7 and changes nothing", (_, extra, text) => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    const r = call(p, "ADD", conf(net, extra), c, host);
    expect(r.json).toMatchObject({ code: 7 });
    expect((r.json as { details: string }).details).toContain(text);
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  // Go's tap first writes the label to /proc/thread-self/attr/exec (go-selinux's SetExecLabel
  // checks nothing for a non-empty label), then runs `ip tuntap`. Without an LSM that takes it
  // the kernel answers EINVAL, so Go's ADD fails too ("failed set socket label"), before any change.
  it.skipIf(existsSync("/sys/fs/selinux"))("without SELinux the exec label Go's tap writes first is refused (EINVAL); ours is code 7 before any change", () => {
    const label = "system_u:system_r:container_t:s0";
    // In a throwaway shell: on a host whose LSM took it, the label must not stick to this process.
    const write = 'try { require("fs").writeFileSync("/proc/thread-self/attr/exec", process.argv[1]); console.log("ok") } catch (e) { console.log(e.code) }';
    expect(execFileSync(process.execPath, ["-e", write, label], { encoding: "utf8" }).trim()).toBe("EINVAL");
    const host = netns("h"), c = netns("c"), net = network("tap");
    const r = call(p, "ADD", conf(net, { selinuxContext: label }), c, host);
    expect(r.json).toMatchObject({ code: 7, details: expect.stringContaining("which fails as well on a host without SELinux") });
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("an empty selinuxContext is no label, as in Go: ADD makes the tap", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    ok(call(p, "ADD", conf(net, { selinuxContext: "" }), c, host));
    expect(linkNames(c)).toContain("eth0");
  });

  it("a bridge that does not exist fails ADD with 999 and deletes the tap", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    const r = call(p, "ADD", conf(net, { bridge: "nope0" }), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect((r.json as { msg: string }).msg).toMatch(/^failed to set tap eth0 as a port of bridge nope0: not found/);
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("a name the container already has fails ADD and leaves its link alone", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    c.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "x0"]);
    const r = call(p, "ADD", conf(net), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect(details(c, "eth0")!.linkinfo?.info_kind).toBe("veth");
    expect(reservations(net)).toEqual([]);
  });

  it("IPAM failing (range full) leaves no tap behind", () => {
    const host = netns("h"), a = netns("a"), b = netns("b"), net = network("tap");
    const tiny = { ranges: [[{ subnet: "10.50.0.0/30" }]] };
    ok(call(p, "ADD", conf(net, {}, tiny), a, host, { containerId: "a" }));
    const r = call(p, "ADD", conf(net, {}, tiny), b, host, { containerId: "b" });
    expect(r.code).toBe(1);
    expect(linkNames(b)).toEqual(["lo"]);
  });

  it("a route that cannot be added fails ADD with 999, releases the address and deletes the tap", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    const r = call(p, "ADD", conf(net, {}, { ...V4, routes: [{ dst: "10.99.0.0/16", gw: "10.77.0.1" }] }), c, host);
    expect(r.json).toMatchObject({ code: 999 });
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });
});

describe.skipIf(SKIP !== "")("tap CHECK, DEL, STATUS and GC", () => {
  it("ADD, CHECK, DEL leave no tap, address or reservation behind", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    const result = ok(call(p, "ADD", conf(net, {}, V4, "1.1.0"), c, host));
    ok(call(p, "CHECK", { ...conf(net, {}, V4, "1.1.0"), prevResult: result }, c, host));
    ok(call(p, "DEL", conf(net, {}, V4, "1.1.0"), c, host));
    expect(linkNames(c)).toEqual(["lo"]);
    expect(reservations(net)).toEqual([]);
  });

  it("CHECK fails with 999 when eth0 is not a tap any more", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    const result = ok(call(p, "ADD", conf(net, {}, null), c, host));
    c.exec("ip", ["link", "del", "eth0"]);
    c.exec("ip", ["link", "add", "eth0", "address", result.interfaces[0].mac, "type", "veth", "peer", "name", "x0"]);
    expect(call(p, "CHECK", { ...conf(net, {}, null), prevResult: result }, c, host).json).toMatchObject({ code: 999 });
  });

  it("DEL twice succeeds; DEL with the netns gone releases the addresses", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    ok(call(p, "ADD", conf(net), c, host));
    ok(call(p, "DEL", conf(net), c, host));
    ok(call(p, "DEL", conf(net), c, host));
    ok(call(p, "ADD", conf(net), c, host));
    c.remove();
    ok(call(p, "DEL", conf(net), c, host));
    expect(reservations(net)).toEqual([]);
  });

  it("STATUS reaches host-local; GC with no valid attachments releases the reservation (1.1.0)", () => {
    const host = netns("h"), c = netns("c"), net = network("tap");
    ok(call(p, "ADD", conf(net, {}, V4, "1.1.0"), c, host));
    ok(call(p, "STATUS", conf(net, {}, V4, "1.1.0"), c, host));
    ok(call(p, "GC", { ...conf(net, {}, V4, "1.1.0"), "cni.dev/valid-attachments": [] }, c, host));
    expect(reservations(net)).toEqual([]);
  });
});

describe.skipIf(SKIP !== "")("tap parity with upstream's `ip tuntap` path (Go v1.1.1 has no tap)", () => {
  it.each([
    ["defaults", {}, []],
    ["multiQueue, owner", { multiQueue: true, owner: 1000 }, ["multi_queue", "user", "1000"]],
    ["group", { group: 100 }, ["group", "100"]],
  ])("%s: the device has the tun attributes `ip tuntap add mode tap` gives", (_, extra: Record<string, unknown>, ipArgs: string[]) => {
    const host = netns("h"), c = netns("c"), ref = netns("r"), net = network("tap");
    ok(call(p, "ADD", conf(net, extra, null), c, host));
    execFileSync("ip", ["-n", ref.name, "tuntap", "add", "mode", "tap", "name", "eth0", ...ipArgs]);
    const [mine, want] = [details(c, "eth0")!, details(ref, "eth0")!];
    expect(mine.linkinfo).toEqual(want.linkinfo);
    expect([mine.mtu, mine.link_type]).toEqual([want.mtu, want.link_type]);
  });
});
