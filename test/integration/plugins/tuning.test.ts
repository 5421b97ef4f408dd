// tuning through the host binary, exec'd inside a test-made "host" netns, on a container netns
// holding eth0 (a veth whose peer stays in the container): values read back from /proc/sys
// inside the container's netns and from `ip -j -d link show`; DEL puts back what ADD changed;
// bad configs change nothing; and side by side with the Go plugin (/usr/lib/cni/tuning, v1.1.1,
// which has no txQLen).
import { existsSync, readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { call, callGo, type Caller, ok, pluginBinary } from "./attach-fixture";
import { cniExec } from "../../../tools/cni-exec";

let p: Caller;

beforeAll(async () => {
  p = { pluginDir: await buildPluginsUnderTest(["tuning"]), binary: pluginBinary("tuning") };
}, 300_000);

const netns = netnsPerTest();

/** A container netns with eth0 (a veth; its peer p1 stays there too), down, mtu 1500. */
function container(): TestNetns {
  const c = netns("c");
  c.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "p1"]);
  return c;
}

const SYSCTLS = ["net/core/somaxconn", "net/ipv4/conf/eth0/arp_filter", "net/ipv4/conf/all/arp_ignore", "net/ipv4/tcp_syncookies"];

/** eth0 and the sysctls tuning may touch, as the kernel reports them inside `c`. */
function state(c: TestNetns) {
  type L = { address: string; mtu: number; flags: string[]; txqlen: number };
  const l = ipJson<L[]>(c, ["-d", "link", "show", "dev", "eth0"])[0]!;
  return {
    mac: l.address, mtu: l.mtu, promisc: l.flags.includes("PROMISC"), allmulti: l.flags.includes("ALLMULTI"), txqlen: l.txqlen,
    sysctl: Object.fromEntries(SYSCTLS.map((k) => [k, c.exec("cat", [`/proc/sys/${k}`]).trim()])),
  };
}

let serial = 0;
function conf(c: TestNetns, extra: Record<string, unknown> = {}, cniVersion = "1.0.0") {
  return {
    cniVersion, name: `tune${serial++}`, type: "tuning", ...extra,
    prevResult: { cniVersion, interfaces: [{ name: "eth0", sandbox: c.path }], ips: [{ address: "10.9.0.2/24", interface: 0 }] },
  };
}

const FULL = {
  sysctl: { "net.core.somaxconn": "500", "net.ipv4.conf.IFNAME.arp_filter": "1", "net/ipv4/conf/all/arp_ignore": "2" },
  mac: "c2:b0:57:49:47:f1", mtu: 1454, promisc: true, allmulti: true, txQLen: 500,
};

/** The keys of tuning's store bucket for network `name`. */
const records = (name: string): string[] => {
  const dir = `/var/lib/cni/wasm-cni/tuning/${name}`;
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== "lock") : [];
};

describe("tuning ADD, CHECK, DEL", () => {
  it("ADD sets every option (IFNAME is CNI_IFNAME), returns the prevResult with the new MAC; CHECK passes; DEL puts every value back", () => {
    const h = netns("h"), c = container();
    const before = state(c);
    const cfg = conf(c, FULL);
    const r = ok(call(p, "ADD", cfg, c, h));
    expect(r).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "eth0", mac: "c2:b0:57:49:47:f1", sandbox: c.path }], ips: [{ address: "10.9.0.2/24", interface: 0 }] });
    expect(state(c)).toEqual({
      mac: "c2:b0:57:49:47:f1", mtu: 1454, promisc: true, allmulti: true, txqlen: 500,
      sysctl: { ...before.sysctl, "net/core/somaxconn": "500", "net/ipv4/conf/eth0/arp_filter": "1", "net/ipv4/conf/all/arp_ignore": "2" },
    });
    expect(records(cfg.name)).toEqual(["ctr1:eth0"]);
    ok(call(p, "CHECK", cfg, c, h));
    ok(call(p, "DEL", cfg, c, h));
    expect(state(c)).toEqual(before);
    expect(records(cfg.name)).toEqual([]);
    ok(call(p, "DEL", cfg, c, h)); // a second DEL finds nothing to put back
  });

  it("allmulti false and promisc false: allmulti goes off, promiscuous mode is left as it was (as Go)", () => {
    const h = netns("h"), c = container();
    c.exec("ip", ["link", "set", "eth0", "allmulticast", "on", "promisc", "on"]);
    const cfg = conf(c, { allmulti: false, promisc: false });
    ok(call(p, "ADD", cfg, c, h));
    expect(state(c)).toMatchObject({ allmulti: false, promisc: true });
    expect(call(p, "CHECK", cfg, c, h).json).toMatchObject({ code: 999, msg: "Error: Tuning link eth0 configured promisc is false, current value is 1" });
    ok(call(p, "DEL", cfg, c, h));
    expect(state(c)).toMatchObject({ allmulti: true, promisc: true });
  });

  it("the MAC comes from the config, then CNI_ARGS MAC=, then runtimeConfig.mac, then args.cni.mac (as Go)", () => {
    const cases: [Record<string, unknown>, string | undefined, string][] = [
      [{ mac: "02:00:00:00:00:01" }, "MAC=02:00:00:00:00:02", "02:00:00:00:00:02"],
      [{ mac: "02:00:00:00:00:01", runtimeConfig: { mac: "02:00:00:00:00:03" } }, "MAC=02:00:00:00:00:02", "02:00:00:00:00:03"],
      [{ runtimeConfig: { mac: "02:00:00:00:00:03" }, args: { cni: { mac: "02-00-00-00-00-0A", mtu: 1400 } } }, "IgnoreUnknown=1;K8S_POD_NAME=x", "02:00:00:00:00:0a"],
    ];
    for (const [extra, args, mac] of cases) {
      const h = netns("h"), c = container();
      const r = ok(call(p, "ADD", conf(c, extra), c, h, args !== undefined ? { args } : {}));
      expect(r.interfaces[0].mac).toBe(mac);
      expect(state(c).mac).toBe(mac);
    }
  });

  it("CHECK fails naming the value that changed since ADD", () => {
    const h = netns("h"), c = container();
    const cfg = conf(c, FULL);
    ok(call(p, "ADD", cfg, c, h));
    c.exec("ip", ["link", "set", "eth0", "txqueuelen", "42"]);
    expect(call(p, "CHECK", cfg, c, h).json).toMatchObject({ code: 999, msg: "Error: Tuning configured Transmit Queue Length of eth0 is 500, current value is 42" });
    c.exec("sysctl", ["-qw", "net.core.somaxconn=501"]);
    expect(call(p, "CHECK", cfg, c, h).json).toMatchObject({ code: 999, msg: "Error: Tuning configured value of /proc/sys/net/core/somaxconn is 500, current value is 501" });
  });

  it("DEL leaves a sysctl someone changed since ADD as it is, and puts the rest back", () => {
    const h = netns("h"), c = container();
    const before = state(c);
    const cfg = conf(c, FULL);
    ok(call(p, "ADD", cfg, c, h));
    c.exec("sysctl", ["-qw", "net.core.somaxconn=777"]);
    ok(call(p, "DEL", cfg, c, h));
    expect(state(c)).toEqual({ ...before, sysctl: { ...before.sysctl, "net/core/somaxconn": "777" } });
  });

  it("DEL with the netns gone, or without CNI_NETNS, succeeds and drops the record", () => {
    const h = netns("h"), c = container();
    const cfg = conf(c, FULL);
    ok(call(p, "ADD", cfg, c, h));
    c.remove();
    ok(call(p, "DEL", cfg, c.path, h));
    expect(records(cfg.name)).toEqual([]);
    const c2 = container(), cfg2 = conf(c2, FULL);
    ok(call(p, "ADD", cfg2, c2, h));
    ok(call(p, "DEL", cfg2, "", h));
    expect(records(cfg2.name)).toEqual([]);
  });

  it("an ADD that fails half-way (a multicast MAC the kernel refuses) has the sysctls it wrote put back and keeps no record", () => {
    const h = netns("h"), c = container();
    const before = state(c);
    const cfg = conf(c, { ...FULL, mac: "01:00:5e:00:00:01" });
    const r = call(p, "ADD", cfg, c, h);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringContaining("tuning: change eth0") });
    expect(state(c)).toEqual(before);
    expect(records(cfg.name)).toEqual([]);
  });

  it("GC (1.1.0) drops the records of attachments not in cni.dev/valid-attachments", () => {
    const h = netns("h"), c1 = container(), c2 = container();
    const name = `tunegc${serial++}`;
    ok(call(p, "ADD", { ...conf(c1, FULL, "1.1.0"), name }, c1, h, { containerId: "a" }));
    ok(call(p, "ADD", { ...conf(c2, FULL, "1.1.0"), name }, c2, h, { containerId: "b" }));
    expect(records(name).sort()).toEqual(["a:eth0", "b:eth0"]);
    const gc = cniExec({ binary: p.binary, command: "GC", inNetns: h.name, env: { WASM_CNI_PLUGIN_DIR: p.pluginDir },
      config: { cniVersion: "1.1.0", name, type: "tuning", "cni.dev/valid-attachments": [{ containerID: "b", ifname: "eth0" }] } });
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(records(name)).toEqual(["b:eth0"]);
  });
});

describe("tuning refuses bad input before changing anything", () => {
  const BAD: [string, Record<string, unknown>, RegExp][] = [
    ["a sysctl outside net", { sysctl: { "kernel.hostname": "x" } }, /field "sysctl" key "kernel.hostname" is not a net sysctl key/],
    ["a sysctl that walks out of net/ with ..", { sysctl: { "net.ipv4.conf.eth0/../../../kernel.hostname": "x" } }, /is not a net sysctl key/],
    ["a sysctl that walks out with / and ..", { sysctl: { "net/../kernel/hostname": "x" } }, /is not a net sysctl key/],
    ["a sysctl with an empty part", { sysctl: { "net..core.somaxconn": "1" } }, /is not a net sysctl key/],
    ["a sysctl in args.cni that walks out", { args: { cni: { sysctl: { "net.ipv4.conf.IFNAME/../../..": "1" } } } }, /is not a net sysctl key/],
    ["a sysctl value that is no string", { sysctl: { "net.core.somaxconn": 500 } }, /field "sysctl.net.core.somaxconn" must be a string/],
    ["a malformed MAC", { mac: "zz:00:00:00:00:01", mtu: 1400 }, /field "mac" "zz:00:00:00:00:01" is not a MAC address/],
    ["a malformed runtimeConfig.mac", { runtimeConfig: { mac: "02:00:00:00:00" } }, /"02:00:00:00:00" is not a MAC address/],
    ["an MTU above 65535", { mtu: 70000, promisc: true }, /field "mtu" mtu 70000 is above 65535/],
    ["an MTU below 68", { mtu: 60 }, /field "mtu" mtu 60 is below 68/],
    ["a negative txQLen", { txQLen: -1 }, /field "txQLen" txQLen -1 is out of range/],
    ["promisc that is no bool", { promisc: "yes" }, /field "promisc" must be a boolean/],
  ];
  it.each(BAD)("%s is code 7 naming it, and eth0, the sysctls and the store stay as they were", (_what, extra, msg) => {
    const h = netns("h"), c = container();
    const before = state(c);
    const cfg = conf(c, { sysctl: { "net.ipv4.tcp_syncookies": "0" }, ...extra });
    const r = call(p, "ADD", cfg, c, h);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7, msg: "invalid network configuration", details: expect.stringMatching(msg) });
    expect(state(c)).toEqual(before);
    expect(records(cfg.name)).toEqual([]);
    ok(call(p, "DEL", cfg, c, h)); // a config ADD refuses still deletes
  });

  it("ADD without a prevResult is code 7; an unknown CNI_ARGS key without IgnoreUnknown is code 4 (Go: 999, the same message)", () => {
    const h = netns("h"), c = container();
    const before = state(c);
    const { prevResult: _, ...noPrev } = conf(c, FULL);
    expect(call(p, "ADD", noPrev, c, h).json).toMatchObject({ code: 7 });
    expect(call(p, "ADD", conf(c, FULL), c, h, { args: "FOO=1" }).json).toMatchObject({ code: 4, msg: 'ARGS: unknown args ["FOO=1"]' });
    expect(callGoArgs(conf(c, { mtu: 1400 }), c, h, "FOO=1").json).toMatchObject({ code: 999, msg: 'ARGS: unknown args ["FOO=1"]' });
    expect(state(c)).toEqual(before);
  });
});

/** Go's tuning with CNI_ARGS. */
function callGoArgs(config: unknown, c: TestNetns, h: TestNetns, args: string) {
  return cniExec({ binary: "/usr/lib/cni/tuning", path: "/usr/lib/cni", command: "ADD", config, inNetns: h.name, containerId: "ctr1", ifname: "eth0", netns: c.path, args });
}

describe("tuning side by side with Go's v1.1.1", () => {
  // Debian's v1.1.1 has no txQLen and does not read IFNAME (it opens .../conf/IFNAME/...): eth0 written out.
  const { txQLen: _, ...noTxQLen } = { ...FULL, sysctl: { "net.core.somaxconn": "500", "net.ipv4.conf.eth0.arp_filter": "1", "net/ipv4/conf/all/arp_ignore": "2" } };
  const CONFIGS: [string, Record<string, unknown>][] = [
    ["every option v1.1.1 has", noTxQLen],
    ["sysctls only", { sysctl: { "net.core.somaxconn": "321", "net.ipv4.conf.eth0.arp_filter": "1" } }],
    ["mac and mtu from args.cni", { args: { cni: { mac: "02:00:00:00:00:77", mtu: 1300 } } }],
    ["allmulti off", { allmulti: false }],
  ];
  it.each(CONFIGS)("%s: the same result and the same link and sysctls after ADD; after DEL the same link (ours also puts the sysctls back)", (_what, extra) => {
    const h = netns("h"), ours = container(), go = container();
    const beforeOurs = state(ours), beforeGo = state(go);
    // The MAC each side started with reads "<unchanged>" (veths get random ones).
    const norm = (s: ReturnType<typeof state>, b: ReturnType<typeof state>) => ({ ...s, mac: s.mac === b.mac ? "<unchanged>" : s.mac });
    expect(norm(beforeOurs, beforeOurs)).toEqual(norm(beforeGo, beforeGo));
    const oursCfg = conf(ours, extra), goCfg = conf(go, extra);
    const mine = ok(call(p, "ADD", oursCfg, ours, h));
    const theirs = ok(callGo("tuning", "ADD", goCfg, go, h));
    const noSandbox = (r: Record<string, any>) => ({ ...r, dns: undefined, interfaces: r.interfaces.map((i: Record<string, unknown>) => ({ ...i, sandbox: "<netns>" })) });
    expect(noSandbox(mine)).toEqual(noSandbox(theirs));
    expect(norm(state(ours), beforeOurs)).toEqual(norm(state(go), beforeGo));
    ok(call(p, "CHECK", oursCfg, ours, h));
    ok(callGo("tuning", "CHECK", goCfg, go, h));
    const goAdded = state(go);
    ok(call(p, "DEL", oursCfg, ours, h));
    ok(callGo("tuning", "DEL", goCfg, go, h));
    const link = ({ sysctl: _s, ...rest }: ReturnType<typeof state>, b: ReturnType<typeof state>) => norm({ ...rest, sysctl: {} }, b);
    expect(link(state(ours), beforeOurs)).toEqual(link(state(go), beforeGo));
    expect(state(ours)).toEqual(beforeOurs);
    expect(state(go).sysctl).toEqual(goAdded.sysctl); // v1.1.1 leaves its sysctls as ADD set them
  });
});
