// portmap chained after bridge (host-local, IPv4 and IPv6), as a runtime runs the conflist
// (tools/conflist-runner.ts, libcni's order, `portMappings` through runtimeConfig), in a
// test "host" netns with a "remote" netns joined to it by a veth. Checked by traffic: a server
// in the container answers each TCP connection and UDP datagram with the peer address it saw
// (port-traffic.ts), so the tests see both that the host port reaches the container and
// whether the connection was masqueraded. The Go plugins v1.1.1 (iptables) run the same list.
import { execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildPluginConfig, createConflistRunner, parseConflist, type Conflist, type ConflistRunner, type JsonObject } from "../../../tools/conflist-runner";
import { cniExec, type CniOutcome } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { GO_PLUGINS } from "./attach-fixture";
import { connect, startServer } from "./port-traffic";

let pluginDir: string;
beforeAll(async () => {
  pluginDir = await buildPluginsUnderTest(["bridge", "ptp", "host-local", "portmap", "firewall"]);
}, 240_000);

const netns = netnsPerTest();
const servers: ChildProcess[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.kill();
});

const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-portmap-"));
const HOST4 = "192.168.77.1", REMOTE4 = "192.168.77.2", HOST6 = "fd77::1", REMOTE6 = "fd77::2";
const GW4 = "10.50.0.1", GW6 = "fd50::1", BRIDGE = "br-pm";
const MAPPINGS = [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }, { hostPort: 8053, containerPort: 53, protocol: "udp" }];

type Impl = "wasm-cni" | "go";

/** A remote host: a netns joined to `host` by a veth, 192.168.77.0/24 and fd77::/64, no route to the containers. */
function withRemote(host: TestNetns): TestNetns {
  const r = netns("r");
  const up = `up${Math.random().toString(16).slice(2, 8)}`;
  const ipn = (ns: TestNetns, ...a: string[]) => execFileSync("ip", ["-n", ns.name, ...a]);
  ipn(host, "link", "add", up, "type", "veth", "peer", "name", "eth0", "netns", r.name);
  ipn(host, "addr", "add", `${HOST4}/24`, "dev", up);
  ipn(host, "addr", "add", `${HOST6}/64`, "dev", up, "nodad");
  ipn(host, "link", "set", up, "up");
  ipn(r, "addr", "add", `${REMOTE4}/24`, "dev", "eth0");
  ipn(r, "addr", "add", `${REMOTE6}/64`, "dev", "eth0", "nodad");
  ipn(r, "link", "set", "eth0", "up");
  return r;
}

/** A runtime's view: CNI_PATH holding bridge and portmap (ours: links to bin/wasm-cni; Go's: /usr/lib/cni). */
function runner(impl: Impl, host: TestNetns): ConflistRunner {
  if (impl === "go") return createConflistRunner({ path: [GO_PLUGINS], cacheDir: join(tmp(), "cache"), inNetns: host.name });
  const cniPath = tmp();
  for (const p of ["bridge", "ptp", "portmap", "firewall"]) symlinkSync(HOST_BIN, join(cniPath, p));
  return createConflistRunner({
    path: [cniPath], cacheDir: join(tmp(), "cache"), inNetns: host.name,
    env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: "off" },
  });
}

/** bridge (gateway, both families, default routes) then portmap with `portmap` keys. */
function conflist(portmap: JsonObject = {}, name = `pm-${Math.random().toString(16).slice(2, 8)}`): Conflist {
  return parseConflist({
    cniVersion: "1.0.0", name,
    plugins: [
      // hairpinMode: this kernel has br_netfilter, so a hairpin connection is DNATed at the
      // bridge and sent back out of the port it came in on (podman's conflist sets it too).
      { type: "bridge", bridge: BRIDGE, isGateway: true, hairpinMode: true,
        ipam: { type: "host-local", dataDir: tmp(), ranges: [[{ subnet: "10.50.0.0/24" }], [{ subnet: "fd50::/64" }]], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] } },
      { type: "portmap", capabilities: { portMappings: true }, ...portmap },
    ],
  });
}

const att = (c: TestNetns, portMappings: unknown = MAPPINGS) => ({ containerId: `ctr-${c.name}`, ifname: "eth0", netns: c.path, capabilityArgs: { portMappings } });

/** `nft list ruleset` of the host netns. */
const ruleset = (host: TestNetns): string => host.exec("nft", ["list", "ruleset"]);

/** Our rules (the plugin's table), one line each, as nft prints them. */
function ourRules(host: TestNetns): string[] {
  let text: string;
  try {
    text = execFileSync("ip", ["netns", "exec", host.name, "nft", "list", "table", "inet", "wasm-cni-portmap"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return []; // no table: the last DEL removed it
  }
  return text.split("\n").map((l) => l.trim()).filter((l) => /(dnat|masquerade)/.test(l));
}

const routeLocalnet = (host: TestNetns, dev: string): string => host.exec("sysctl", ["-n", `net.ipv4.conf.${dev}.route_localnet`]).trim();

/** Waits (up to 5 s) until no IPv6 address of `ns` is tentative: the bridge's gateway does DAD. */
function settle(ns: TestNetns): void {
  for (let i = 0; i < 50 && ns.exec("ip", ["-6", "addr", "show", "tentative"]).trim() !== ""; i++) execFileSync("sleep", ["0.1"]);
}

/** A container with the server on 80/tcp and 53/udp, attached by the chain. */
async function container(impl: Impl, host: TestNetns, list: Conflist, mappings: unknown = MAPPINGS) {
  const c = netns("c");
  servers.push(await startServer(c, 80, 53));
  const run = runner(impl, host);
  const result = run.add(list, att(c, mappings));
  settle(host);
  settle(c);
  return { c, run, result };
}

describe("portmap after bridge: traffic to the host port", () => {
  for (const impl of ["wasm-cni", "go"] as const) {
    it(`${impl}: TCP and UDP reach the container from a remote host (source kept), from the node, hairpin and over 127.0.0.1 (masqueraded) over IPv4; after DEL ${impl === "go" ? "its CNI-HOSTPORT chains stay" : "the ruleset is as before"}`, async () => {
      const host = netns("h"), r = withRemote(host);
      const before = ruleset(host);
      const list = conflist();
      const { c, run } = await container(impl, host, list);
      for (const proto of ["tcp", "udp"] as const) {
        const port = proto === "tcp" ? 8080 : 8053;
        expect(connect(r, proto, HOST4, port), `${proto} remote`).toBe(`${proto} ${REMOTE4}`);
        expect(connect(host, proto, HOST4, port), `${proto} node`).toBe(`${proto} ${HOST4}`);
        expect(connect(c, proto, HOST4, port), `${proto} hairpin`).toBe(`${proto} ${GW4}`);
        expect(connect(host, proto, "127.0.0.1", port), `${proto} 127.0.0.1`).toBe(`${proto} ${GW4}`);
      }
      expect(routeLocalnet(host, BRIDGE)).toBe("1");
      run.del(list, att(c));
      // Ours leaves the ruleset as it found it; Go v1.1.1 keeps its CNI-HOSTPORT-* chains (iptables-nft tables ip/ip6 nat).
      if (impl === "wasm-cni") expect(ruleset(host)).toBe(before);
      else expect(host.exec("iptables-save", ["-t", "nat"])).toMatch(/-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT/);
    });

    it(`${impl}: TCP and UDP reach the container from a remote host, from the node and hairpin over IPv6`, async () => {
      const host = netns("h"), r = withRemote(host);
      const { c } = await container(impl, host, conflist());
      for (const proto of ["tcp", "udp"] as const) {
        const port = proto === "tcp" ? 8080 : 8053;
        expect(connect(r, proto, HOST6, port), `${proto} remote`).toBe(`${proto} ${REMOTE6}`);
        expect(connect(host, proto, HOST6, port), `${proto} node`).toBe(`${proto} ${HOST6}`);
        expect(connect(c, proto, HOST6, port), `${proto} hairpin`).toBe(`${proto} ${GW6}`);
      }
    });
  }

  it("wasm-cni: the rules are Go's nftables rules in inet wasm-cni-portmap; DEL leaves the ruleset as before and the port closed", async () => {
    const host = netns("h"), r = withRemote(host);
    const before = ruleset(host);
    const list = conflist();
    const { c, run } = await container("wasm-cni", host, list);
    expect(ourRules(host).length).toBe(4 + 4 + 2 + 1); // DNAT prerouting+output per mapping and family; hairpin per family; 127.0.0.1
    run.del(list, att(c));
    expect(ourRules(host)).toEqual([]);
    expect(ruleset(host)).toBe(before);
    expect(connect(r, "tcp", HOST4, 8080)).not.toBe(`tcp ${REMOTE4}`);
    run.del(list, att(c)); // DEL again succeeds
  });

  it("wasm-cni: DEL of one container removes only its rules; the other's port still answers", async () => {
    const host = netns("h"), r = withRemote(host);
    const list = conflist();
    const a = await container("wasm-cni", host, list, [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
    const b = await container("wasm-cni", host, list, [{ hostPort: 9090, containerPort: 80, protocol: "tcp" }]);
    a.run.del(list, att(a.c));
    expect(ourRules(host).every((l) => !l.includes("8080"))).toBe(true);
    expect(connect(r, "tcp", HOST4, 9090)).toBe(`tcp ${REMOTE4}`);
    b.run.del(list, att(b.c));
    expect(ourRules(host)).toEqual([]);
  });

  it("wasm-cni: an sctp mapping is applied as sctp dport rules (not traffic-tested: no SCTP client here)", async () => {
    const host = netns("h");
    const list = conflist();
    const { c, run } = await container("wasm-cni", host, list, [{ hostPort: 3868, containerPort: 3868, protocol: "sctp" }]);
    expect(ourRules(host).filter((l) => l.includes("sctp dport 3868 dnat")).length).toBe(4);
    run.del(list, att(c));
    expect(ourRules(host)).toEqual([]);
  });

  it("wasm-cni: hostIP limits a mapping to that address; snat false leaves hairpin unmasqueraded", async () => {
    const host = netns("h"), r = withRemote(host);
    const list = conflist({ snat: false });
    const { c } = await container("wasm-cni", host, list, [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: HOST4 }]);
    expect(connect(r, "tcp", HOST4, 8080)).toBe(`tcp ${REMOTE4}`);
    expect(connect(host, "tcp", GW4, 8080)).not.toMatch(/^tcp /); // another local address: not mapped
    expect(ourRules(host).some((l) => l.includes("masquerade"))).toBe(false);
    expect(connect(c, "tcp", HOST4, 8080)).not.toBe(`tcp ${GW4}`);
  });
});

describe("route_localnet (127.0.0.1)", () => {
  it("wasm-cni after ptp: set on the container's host veth (ptp made it), and 127.0.0.1 reaches the container", async () => {
    const host = netns("h"), r = withRemote(host);
    const list = parseConflist({
      cniVersion: "1.0.0", name: `pm-${Math.random().toString(16).slice(2, 8)}`,
      plugins: [
        { type: "ptp", ipam: { type: "host-local", dataDir: tmp(), subnet: "10.51.0.0/24", routes: [{ dst: "0.0.0.0/0" }] } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    });
    const { c, run, result } = await container("wasm-cni", host, list);
    const veth = (result.interfaces as { name: string; sandbox?: string }[]).find((i) => !i.sandbox)!.name;
    expect(routeLocalnet(host, veth)).toBe("1");
    expect(connect(r, "tcp", HOST4, 8080)).toBe(`tcp ${REMOTE4}`);
    expect(connect(host, "tcp", "127.0.0.1", 8080)).toBe("tcp 10.51.0.1");
    run.del(list, att(c));
  });

  it("wasm-cni with a bridge the operator made (no wasm-cni owner mark): route_localnet stays off, ADD succeeds and says why on stderr; other paths work", async () => {
    const host = netns("h"), r = withRemote(host);
    host.exec("ip", ["link", "add", BRIDGE, "type", "bridge"]);
    const list = conflist();
    const stderr: string[] = [];
    const c = netns("c");
    servers.push(await startServer(c, 80, 53));
    const cniPath = tmp();
    for (const p of ["bridge", "portmap"]) symlinkSync(HOST_BIN, join(cniPath, p));
    const run = createConflistRunner({
      path: [cniPath], cacheDir: join(tmp(), "cache"), inNetns: host.name,
      env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: "off" },
      exec: (inv) => { const out = cniExec(inv); stderr.push(out.stderr); return out; },
    });
    run.add(list, att(c));
    settle(host);
    expect(routeLocalnet(host, BRIDGE)).toBe("0");
    expect(stderr.join("")).toMatch(/route_localnet not set on br-pm, so 127\.0\.0\.1:<hostPort> will not reach the container/);
    expect(connect(r, "tcp", HOST4, 8080)).toBe(`tcp ${REMOTE4}`);
    expect(connect(host, "tcp", "127.0.0.1", 8080)).not.toMatch(/^tcp /);
    run.del(list, att(c));
  });
});

describe("portmap conditions", () => {
  it("wasm-cni: conditionsV4 [\"!\", \"-s\", remote] leaves the remote unmapped and the node mapped; iifname maps only what arrives on that link", async () => {
    const host = netns("h"), r = withRemote(host);
    const one = [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }];
    const la = conflist({ conditionsV4: ["!", "-s", REMOTE4] });
    const a = await container("wasm-cni", host, la, one);
    expect(connect(r, "tcp", HOST4, 8080)).not.toMatch(/^tcp /);
    expect(connect(host, "tcp", HOST4, 8080)).toBe(`tcp ${HOST4}`);
    expect(connect(r, "tcp", HOST6, 8080)).toBe(`tcp ${REMOTE6}`); // conditionsV4 only
    a.run.del(la, att(a.c));
    const uplink = host.exec("ip", ["-o", "link", "show", "type", "veth"]).match(/\d+: (up[0-9a-f]+)@/)![1]!;
    const lb = conflist({ conditionsV4: [`iifname ${uplink}`] });
    const b = await container("wasm-cni", host, lb, one);
    expect(connect(r, "tcp", HOST4, 8080)).toBe(`tcp ${REMOTE4}`);
    expect(connect(host, "tcp", HOST4, 8080)).not.toMatch(/^tcp /); // the node's own connections arrive on no link
    b.run.del(lb, att(b.c));
  });
});

describe("podman's chain: bridge, portmap, firewall", () => {
  it("wasm-cni: the host port answers a remote host through the firewall plugin's rules; CHECK passes; DEL leaves the ruleset as before", async () => {
    const host = netns("h"), r = withRemote(host);
    const before = ruleset(host);
    const base = conflist();
    const list = parseConflist({ ...JSON.parse(base.bytes), plugins: [...base.plugins, { type: "firewall" }] });
    const { c, run } = await container("wasm-cni", host, list);
    expect(connect(r, "tcp", HOST4, 8080)).toBe(`tcp ${REMOTE4}`);
    expect(connect(r, "udp", HOST6, 8053)).toBe(`udp ${REMOTE6}`);
    expect(connect(c, "tcp", HOST4, 8080)).toBe(`tcp ${GW4}`);
    run.check(list, att(c));
    run.del(list, att(c));
    expect(ruleset(host)).toBe(before);
  });
});

describe("portmap at every spec version of a chain", () => {
  it.each(["0.3.1", "0.4.0", "1.1.0"])("cniVersion %s: the host port answers a remote host, the result is the bridge's, DEL leaves the ruleset as before", async (v) => {
    const host = netns("h"), r = withRemote(host);
    const before = ruleset(host);
    const list = parseConflist({ ...JSON.parse(conflist().bytes), cniVersion: v });
    const one = [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }];
    const { c, run, result } = await container("wasm-cni", host, list, one);
    expect(result).toMatchObject({ cniVersion: v, ips: [expect.objectContaining({ address: "10.50.0.2/24" }), expect.objectContaining({ address: "fd50::2/64" })] });
    expect(connect(r, "tcp", HOST4, 8080)).toBe(`tcp ${REMOTE4}`);
    if (v !== "0.3.1") run.check(list, att(c, one));
    run.del(list, att(c, one));
    expect(ruleset(host)).toBe(before);
  });
});

describe("portmap CHECK and GC", () => {
  it("CHECK passes after ADD and names the missing rule once one is gone", async () => {
    const host = netns("h");
    const list = conflist();
    const { c, run } = await container("wasm-cni", host, list);
    run.check(list, att(c));
    const handle = /dport 8053 .*# handle (\d+)/.exec(host.exec("nft", ["-a", "list", "chain", "inet", "wasm-cni-portmap", "prerouting"]))?.[1];
    expect(handle).toBeDefined();
    host.exec("nft", ["delete", "rule", "inet", "wasm-cni-portmap", "prerouting", "handle", handle!]);
    expect(() => run.check(list, att(c))).toThrow(/missing hostport rule: nat-prerouting ip6? .*dport 8053/);
  });

  it("GC removes the rules of attachments not in cni.dev/valid-attachments and keeps the others", async () => {
    const host = netns("h");
    const list = parseConflist({ ...JSON.parse(conflist().bytes), cniVersion: "1.1.0" });
    const a = await container("wasm-cni", host, list, [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
    const b = await container("wasm-cni", host, list, [{ hostPort: 9090, containerPort: 80, protocol: "tcp" }]);
    a.run.gc(list, [{ containerID: `ctr-${b.c.name}`, ifname: "eth0" }]);
    expect(ourRules(host).some((l) => l.includes("8080"))).toBe(false);
    expect(ourRules(host).some((l) => l.includes("9090"))).toBe(true);
  });
});

describe("portmap: bad configs", () => {
  /** portmap's ADD alone with a bridge ADD's result as prevResult, as the second plugin of the list. */
  function portmapAdd(host: TestNetns, c: TestNetns, list: Conflist, prev: JsonObject | undefined, portMappings: unknown): CniOutcome {
    const cniPath = tmp();
    symlinkSync(HOST_BIN, join(cniPath, "portmap"));
    return cniExec({
      binary: join(cniPath, "portmap"), command: "ADD", containerId: `ctr-${c.name}`, ifname: "eth0", netns: c.path, inNetns: host.name,
      config: buildPluginConfig(list, list.plugins[1]!, prev, att(c, portMappings)), env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: "off" },
    });
  }

  const BAD: [string, JsonObject, unknown, RegExp][] = [
    ["hostPort 0", {}, [{ hostPort: 0, containerPort: 80, protocol: "tcp" }], /runtimeConfig.portMappings\[0\].hostPort" is 0, not a port number/],
    ["protocol icmp", {}, [{ hostPort: 80, containerPort: 80, protocol: "icmp" }], /protocol" is "icmp", not one of tcp, udp, sctp/],
    ["externalSetMarkChain", { externalSetMarkChain: "KUBE-MARK-MASQ" }, MAPPINGS, /"externalSetMarkChain" names an iptables chain/],
    ["an iptables condition without nftables equivalent", { conditionsV4: ["-m", "comment"] }, MAPPINGS, /"conditionsV4" has "-m"/],
    ["backend ebpf", { backend: "ebpf" }, MAPPINGS, /"backend" is "ebpf"/],
  ];

  it.each(BAD)("ADD with %s fails with code 7 naming it and changes nothing", async (_what, keys, mappings, details) => {
    const host = netns("h"), c = netns("c");
    const list = conflist(keys);
    const bridgeOnly = parseConflist({ ...JSON.parse(list.bytes), plugins: [list.plugins[0]] });
    const prev = runner("wasm-cni", host).add(bridgeOnly, att(c));
    const before = { nft: ruleset(host), localnet: routeLocalnet(host, BRIDGE) };
    const out = portmapAdd(host, c, list, prev, mappings);
    expect(out.code, out.stdout + out.stderr).toBe(1);
    expect(out.json).toMatchObject({ code: 7, details: expect.stringMatching(details) });
    expect({ nft: ruleset(host), localnet: routeLocalnet(host, BRIDGE) }).toEqual(before);
  });

  it("ADD without prevResult fails with code 7 (Go v1.1.1: 999, same message) and changes nothing", () => {
    const host = netns("h"), c = netns("c");
    const list = conflist();
    const before = ruleset(host);
    const ours = portmapAdd(host, c, list, undefined, MAPPINGS);
    expect(ours.json).toMatchObject({ code: 7, details: expect.stringContaining("must be called as a chained plugin") });
    const go = cniExec({
      binary: join(GO_PLUGINS, "portmap"), path: GO_PLUGINS, command: "ADD", containerId: "x", ifname: "eth0", netns: c.path, inNetns: host.name,
      config: buildPluginConfig(list, list.plugins[1]!, undefined, att(c)),
    });
    expect(go.json).toMatchObject({ code: 999, msg: "must be called as chained plugin" });
    expect(ruleset(host)).toBe(before);
  });

  it("DEL succeeds and removes every rule even when portmap's own keys no longer read (a runtime can always clean up)", async () => {
    const host = netns("h");
    const list = conflist();
    const { c, run } = await container("wasm-cni", host, list);
    run.del(conflist({ backend: "ebpf" }, list.name), att(c));
    expect(ourRules(host)).toEqual([]);
  });
});
