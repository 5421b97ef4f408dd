// bandwidth chained after bridge + host-local, through our plugin directory and Go's
// (/usr/lib/cni, v1.1.1) side by side, in test-made namespaces: the tc state each leaves on the
// host veth and the ifb, throughput measured with iperf3 in both directions, CHECK, DEL back to
// the state before, and bad configs answered with code 7 and nothing changed.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  attachment, bridgePlugin, conflist, execPlugin, expectCniError, GO_BIN, netns, network, OURS, runnerFor, type Net,
} from "../../compliance/compliance-fixture";
import { ipJson, type TestNetns } from "../../helpers/netns";
import type { JsonObject } from "../../../tools/conflist-runner";

const MBIT = 1_000_000;

function bandwidthList(net: Net, bw: JsonObject, cniVersion = "1.0.0") {
  return conflist(net, cniVersion, [bridgePlugin(net), { type: "bandwidth", ...bw }]);
}

type Qdisc = { kind: string; handle: string; dev: string; parent?: string; root?: boolean; options?: Record<string, unknown> };

/** tc's view of one link: its qdiscs (tbf options as tc -j prints them) and its ingress filters' redirects. */
function tcOf(ns: TestNetns, dev: string) {
  const qdiscs = (JSON.parse(ns.exec("tc", ["-j", "qdisc", "show", "dev", dev]) || "[]") as Qdisc[])
    .map((q) => ({ kind: q.kind, handle: q.handle, ...(q.root && { root: true }), ...(q.parent && { parent: q.parent }), ...(q.kind === "tbf" && { options: q.options }) }));
  const filters = ns.exec("tc", ["filter", "show", "dev", dev, "ingress"]).match(/mirred \([^)]*\)/g) ?? [];
  return { qdiscs, filters };
}

/**
 * Every qdisc, filter and link of the namespace but the bridge's (bridge's DEL leaves its
 * bridge, as Go's does), for before/after compares.
 */
function hostState(ns: TestNetns, net: Net) {
  const links = ipJson<{ ifname: string }[]>(ns, ["link", "show"]).map((l) => l.ifname).filter((l) => l !== net.bridge).sort();
  const qdiscs = (JSON.parse(ns.exec("tc", ["-j", "qdisc", "show"]) || "[]") as Qdisc[]).filter((q) => q.dev !== net.bridge);
  return { links, qdiscs, filters: links.map((l) => [l, tcOf(ns, l).filters]) };
}

/** The host end of the container's eth0 from the result: the interface without a sandbox that is not the bridge or an ifb. */
function hostVethOf(result: JsonObject, net: Net): string {
  const ifaces = result["interfaces"] as { name: string; sandbox?: string }[];
  return ifaces.find((i) => !i.sandbox && i.name !== net.bridge && !i.name.startsWith("bwp"))!.name;
}

/** Go's name for the ifb: "bwp" + SHA-512(network name + container id), 15 characters. */
async function ifbName(name: string, containerId: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return ("bwp" + createHash("sha512").update(name + containerId).digest("hex")).slice(0, 15);
}

describe("bandwidth after bridge, side by side with Go's", () => {
  const BW = { ingressRate: 10 * MBIT, ingressBurst: 400_000, egressRate: 20 * MBIT, egressBurst: 400_000 };

  it("ADD puts the same tbf on the host veth and on the same-named ifb, and the same redirect, as Go's; CHECK passes; DEL leaves tc as before", async () => {
    const seen: unknown[] = [];
    for (const bin of [OURS, GO_BIN]) {
      const host = netns("h"), c = netns("c"), net = network("bw");
      net.name = "bwnet"; // the same network name and container id for both: the same ifb name
      const att = { ...attachment(c), containerId: "ctr-bw" };
      const { runner } = runnerFor(bin, host, net);
      const list = bandwidthList(net, BW);
      const before = hostState(host, net);
      const result = runner.add(list, att);
      const veth = hostVethOf(result, net);
      const ifb = await ifbName("bwnet", "ctr-bw");
      expect((result["interfaces"] as { name: string }[]).map((i) => i.name)).toContain(ifb);
      seen.push({ veth: tcOf(host, veth), ifb: tcOf(host, ifb), ifbUp: ipJson<{ flags: string[] }[]>(host, ["link", "show", ifb])[0]!.flags.includes("UP") });
      runner.check(list, att);
      runner.del(list, att);
      expect(hostState(host, net)).toEqual(before);
    }
    const [ours, go] = seen as { veth: { filters: string[] } }[];
    // Go's filter carries the mirred action twice (vishvananda/netlink adds one for U32.RedirIndex
    // before the plugin's own); the first takes the packet, so ours sends it once.
    expect(go!.veth.filters).toHaveLength(2);
    go!.veth.filters = [...new Set(go!.veth.filters)];
    expect(ours).toEqual(go);
    expect(ours).toMatchObject({
      veth: {
        qdiscs: [
          { kind: "tbf", handle: "1:", root: true, options: { rate: 1_250_000, burst: 50_000, lat: 25_000 } },
          { kind: "ingress", handle: "ffff:", parent: "ffff:fff1" },
        ],
        filters: [expect.stringMatching(/^mirred \(Egress Redirect to device bwp/)],
      },
      ifb: { qdiscs: [{ kind: "tbf", handle: "1:", root: true, options: { rate: 2_500_000, lat: 25_000 } }] },
      ifbUp: true,
    });
  }, 60_000);

  it("the bandwidth capability (runtimeConfig.bandwidth) shapes when the config has no rates, as Go's", () => {
    for (const bin of [OURS, GO_BIN]) {
      const host = netns("h"), c = netns("c"), net = network("bwcap");
      const { runner } = runnerFor(bin, host, net);
      const list = bandwidthList(net, { capabilities: { bandwidth: true } });
      const result = runner.add(list, attachment(c, { capabilityArgs: { bandwidth: { ingressRate: 8 * MBIT, ingressBurst: 80_000 } } }));
      const veth = hostVethOf(result, net);
      expect(tcOf(host, veth).qdiscs[0]).toMatchObject({ kind: "tbf", options: { rate: 1_000_000 } });
      expect((result["interfaces"] as { name: string }[]).some((i) => i.name.startsWith("bwp"))).toBe(false); // no egress: no ifb
      runner.del(list, attachment(c));
    }
  }, 30_000);
});

describe("CHECK and chaining", () => {
  it("CHECK fails naming what differs once the host veth's tbf is replaced, or the redirect to the ifb is gone", () => {
    const host = netns("h"), c = netns("c"), net = network("bwchk");
    const { runner } = runnerFor(OURS, host, net);
    const list = bandwidthList(net, { ingressRate: 8 * MBIT, ingressBurst: 80_000, egressRate: 8 * MBIT, egressBurst: 80_000 });
    const att = attachment(c);
    const veth = hostVethOf(runner.add(list, att), net);
    runner.check(list, att);
    host.exec("tc", ["qdisc", "replace", "dev", veth, "root", "handle", "1:", "tbf", "rate", "2mbit", "burst", "10000", "latency", "25ms"]);
    expect(() => runner.check(list, att)).toThrow(/Rate doesn't match: \S+ has 250000 bytes\/s, the config 1000000/);
    host.exec("tc", ["qdisc", "replace", "dev", veth, "root", "handle", "1:", "tbf", "rate", "8mbit", "burst", "10000", "latency", "25ms"]);
    runner.check(list, att);
    host.exec("tc", ["filter", "del", "dev", veth, "ingress", "prio", "1"]);
    expect(() => runner.check(list, att)).toThrow(/no filter redirects \S+ to bwp/);
    runner.del(list, att);
  }, 20_000);

  it("DEL after the container's netns is gone deletes the ifb and succeeds", async () => {
    const host = netns("h"), c = netns("c"), net = network("bwgone");
    const { runner } = runnerFor(OURS, host, net);
    const att = attachment(c);
    const result = runner.add(bandwidthList(net, { egressRate: MBIT, egressBurst: 80_000 }), att);
    c.remove();
    const out = execPlugin(OURS, "bandwidth", "DEL", { cniVersion: "1.0.0", name: net.name, type: "bandwidth", egressRate: MBIT, egressBurst: 80_000, prevResult: result }, host, att);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(ipJson<{ ifname: string }[]>(host, ["link", "show"]).map((l) => l.ifname)).not.toContain(await ifbName(net.name, att.containerId));
  }, 20_000);

  it("DEL of an attachment Go's plugin shaped (an ifb without our owner mark) succeeds, leaves that ifb and says so", async () => {
    const host = netns("h"), c = netns("c"), net = network("bwswitch");
    const att = attachment(c);
    const bw = { egressRate: MBIT, egressBurst: 80_000 };
    const result = runnerFor(GO_BIN, host, net).runner.add(bandwidthList(net, bw), att);
    const out = execPlugin(OURS, "bandwidth", "DEL", { cniVersion: "1.0.0", name: net.name, type: "bandwidth", ...bw, prevResult: result }, host, att);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const ifb = await ifbName(net.name, att.containerId);
    expect(out.stderr).toMatch(new RegExp(`ifb ${ifb} is left in place: plugin "bandwidth" may not delete host link ${ifb}`));
    expect(ipJson<{ ifname: string }[]>(host, ["link", "show"]).map((l) => l.ifname)).toContain(ifb);
  }, 20_000);

  it("after ptp it finds the host veth among prevResult's interfaces and shapes it; DEL leaves tc as before", () => {
    const host = netns("h"), c = netns("c"), net = network("bwptp");
    const { runner } = runnerFor(OURS, host, net);
    const ptp = { type: "ptp", ipam: { type: "host-local", subnet: net.subnet, dataDir: net.dataDir } };
    const list = conflist(net, "0.4.0", [ptp, { type: "bandwidth", ingressRate: 8 * MBIT, ingressBurst: 80_000, egressRate: 4 * MBIT, egressBurst: 80_000 }]);
    const att = attachment(c);
    const before = hostState(host, net);
    const result = runner.add(list, att);
    const veth = hostVethOf(result, net);
    expect(tcOf(host, veth).qdiscs.map((q) => q.kind)).toEqual(["tbf", "ingress"]);
    runner.check(list, att);
    runner.del(list, att);
    expect(hostState(host, net)).toEqual(before);
  }, 20_000);
});

/** Runs iperf3 between the container and the host netns for 3 s (the bucket's first burst is 1 Mbit of it); the receiver's bits/s. */
async function iperf(server: TestNetns, serverIp: string, client: TestNetns, reverse: boolean): Promise<number> {
  const srv = spawn("ip", ["netns", "exec", server.name, "iperf3", "-s", "-1", "--forceflush", "-B", serverIp], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    srv.stdout.on("data", (d: Buffer) => { if (d.toString().includes("Server listening")) resolve(); });
    srv.on("exit", (code) => reject(new Error(`iperf3 server exited with ${code}`)));
  });
  const out = client.exec("iperf3", ["-c", serverIp, "-t", "3", "-J", ...(reverse ? ["-R"] : [])]);
  await new Promise((resolve) => srv.once("exit", resolve));
  return (JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
}

describe("shaped traffic", () => {
  it("iperf3 measures 10 Mbit/s to the container and 20 Mbit/s from it, each within 15%", async () => {
    const host = netns("h"), c = netns("c"), net = network("bwperf");
    const { runner } = runnerFor(OURS, host, net);
    // Bursts of 1 Mbit: room for a few 64 KB GSO packets, so that TCP keeps the bucket busy.
    const list = bandwidthList(net, { ingressRate: 10 * MBIT, ingressBurst: MBIT, egressRate: 20 * MBIT, egressBurst: MBIT });
    runner.add(list, attachment(c));
    const gw = `${net.prefix}1`;
    const toContainer = await iperf(host, gw, c, true);
    const fromContainer = await iperf(host, gw, c, false);
    console.log(`iperf3: to the container ${(toContainer / MBIT).toFixed(2)} Mbit/s (tbf 10), from it ${(fromContainer / MBIT).toFixed(2)} Mbit/s (tbf 20)`);
    expect(toContainer / (10 * MBIT)).toBeGreaterThan(0.85);
    expect(toContainer / (10 * MBIT)).toBeLessThan(1.15);
    expect(fromContainer / (20 * MBIT)).toBeGreaterThan(0.85);
    expect(fromContainer / (20 * MBIT)).toBeLessThan(1.15);
    runner.del(list, attachment(c));
  }, 60_000);
});

describe("bad configs", () => {
  // [what, bandwidth keys, the field and message of the code 7]
  const BAD: [string, JsonObject, RegExp][] = [
    ["a rate without a burst", { ingressRate: 1000000 }, /field "ingressBurst" must be set when ingressRate is \(1000000 bits\/s\): a rate needs a burst/],
    ["a burst without a rate", { egressBurst: 80000 }, /field "egressRate" must be set when egressBurst is \(80000 bits\): a burst needs a rate/],
    ["a burst over 4GB", { ingressRate: 1000000, ingressBurst: 8 * 2 ** 32 }, /field "ingressBurst" 34359738368 bits is more than 4GB/],
    ["a negative rate", { ingressRate: -1, ingressBurst: 8000 }, /field "ingressRate" must be a whole number of bits/],
    ["a rate below one byte per second", { egressRate: 7, egressBurst: 8000 }, /field "egressRate" 7 bits\/s is below 8/],
    ["unshapedSubnets", { ingressRate: 1000000, ingressBurst: 80000, unshapedSubnets: ["10.0.0.0/8"] }, /field "unshapedSubnets" is not supported: upstream removed it in v1.6.0/],
    ["a burst the kernel's 32-bit bucket cannot hold at its rate", { ingressRate: 8000, ingressBurst: 8 * 300_000 }, /takes more than 274 s at rate 1000 bytes\/s/],
    ["runtimeConfig.bandwidth's rate without a burst", { runtimeConfig: { bandwidth: { egressRate: 1000000 } } }, /field "runtimeConfig.bandwidth.egressBurst" must be set/],
  ];

  it.each(BAD)("%s is code 7 naming it, and changes nothing", (_what, bw, msg) => {
    const host = netns("h"), c = netns("c"), net = network("bwbad");
    const { runner } = runnerFor(OURS, host, net);
    const att = attachment(c);
    const prevResult = runner.add(conflist(net, "1.0.0", [bridgePlugin(net)]), att);
    const before = hostState(host, net);
    const out = execPlugin(OURS, "bandwidth", "ADD", { cniVersion: "1.0.0", name: net.name, type: "bandwidth", ...bw, prevResult }, host, att);
    const e = expectCniError(out, 7);
    expect(e.msg + " " + (e.details ?? "")).toMatch(msg);
    expect(hostState(host, net)).toEqual(before);
  }, 20_000);

  it("DEL of a config with a rate and no burst still succeeds and removes the ifb (a runtime must always clean up)", async () => {
    const host = netns("h"), c = netns("c"), net = network("bwdel");
    const { runner } = runnerFor(OURS, host, net);
    const att = attachment(c);
    const before = hostState(host, net);
    const good = bandwidthList(net, { egressRate: MBIT, egressBurst: 80_000 });
    const result = runner.add(good, att);
    const out = execPlugin(OURS, "bandwidth", "DEL", { cniVersion: "1.0.0", name: net.name, type: "bandwidth", egressRate: MBIT, prevResult: result }, host, att);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(ipJson<{ ifname: string }[]>(host, ["link", "show"]).map((l) => l.ifname)).not.toContain(await ifbName(net.name, att.containerId));
    runner.del(conflist(net, "1.0.0", [bridgePlugin(net)]), att);
    expect(hostState(host, net)).toEqual(before);
  }, 20_000);
});
