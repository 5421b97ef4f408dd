// SPEC.md "STATUS: Check plugin status", "GC: Clean up any stale resources" and "Garbage-
// collecting a network", with libcni's GCNetworkList (stale cached attachments get a DEL first).
import { describe, expect, it } from "vitest";
import { attachment, bridgePlugin, conflist, execPlugin, expectCniError, netns, network, OURS, reservations, runnerFor, type Net } from "./compliance-fixture";

const ipamConf = (net: Net) => ({ cniVersion: "1.1.0", name: net.name, type: "host-local", ipam: bridgePlugin(net)["ipam"] });

describe("STATUS", () => {
  it("STATUS at 1.1.0 succeeds for bridge, ptp and loopback, with no output, and needs no container variables", () => {
    const host = netns("h"), net = network("st");
    const { runner, calls } = runnerFor(OURS, host, net);
    runner.status(conflist(net, "1.1.0", [bridgePlugin(net), { ...bridgePlugin(net), type: "ptp" }, { type: "loopback" }]));
    expect(calls.map((x) => [x.plugin, x.out.code, x.out.stdout])).toEqual([["bridge", 0, ""], ["ptp", 0, ""], ["loopback", 0, ""]]);
  });

  it("the runner sends no STATUS below 1.1.0, and the plugin refuses one with code 1", () => {
    const host = netns("h"), net = network("st2");
    const { runner, calls } = runnerFor(OURS, host, net);
    runner.status(conflist(net, "1.0.0", [bridgePlugin(net)]));
    expect(calls).toEqual([]);
    expectCniError(execPlugin(OURS, "bridge", "STATUS", { cniVersion: "1.0.0", name: net.name, ...bridgePlugin(net) }, host), 1);
  });

  it("host-local STATUS fails with code 50 once its range has no free address", () => {
    const host = netns("h"), c = netns("c"), net = network("st3");
    const conf = { ...ipamConf(net), ipam: { type: "host-local", ranges: [[{ subnet: `${net.prefix}0/24`, rangeStart: `${net.prefix}2`, rangeEnd: `${net.prefix}2` }]], dataDir: net.dataDir } };
    expect(execPlugin(OURS, "host-local", "STATUS", conf, host).code).toBe(0);
    expect(execPlugin(OURS, "host-local", "ADD", conf, host, attachment(c)).code).toBe(0);
    expectCniError(execPlugin(OURS, "host-local", "STATUS", conf, host), 50);
  });

  it("bridge STATUS passes on to its IPAM plugin: code 50 once host-local's range is exhausted", () => {
    const host = netns("h"), c = netns("c"), net = network("st4");
    const conf = { cniVersion: "1.1.0", name: net.name, ...bridgePlugin(net), ipam: { type: "host-local", ranges: [[{ subnet: `${net.prefix}0/24`, rangeStart: `${net.prefix}2`, rangeEnd: `${net.prefix}2` }]], dataDir: net.dataDir } };
    expect(execPlugin(OURS, "bridge", "ADD", conf, host, attachment(c)).code).toBe(0);
    const r = execPlugin(OURS, "bridge", "STATUS", conf, host);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 50 });
  });
});

describe("GC", () => {
  it("the runner DELs cached attachments missing from the valid list, keeps the valid ones, then GCs each plugin with cni.dev/valid-attachments", () => {
    const host = netns("h"), c1 = netns("c"), c2 = netns("c"), net = network("gc");
    const { runner, calls } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [bridgePlugin(net), { type: "loopback" }]);
    const [a1, a2] = [attachment(c1), attachment(c2)];
    runner.add(list, a1);
    runner.add(list, a2);
    calls.length = 0;
    const valid = [{ containerID: a2.containerId, ifname: "eth0" }];
    runner.gc(list, valid);
    expect(calls.map((x) => `${x.command} ${x.plugin}`)).toEqual(["DEL loopback", "DEL bridge", "GC bridge", "GC loopback"]);
    expect(calls.filter((x) => x.command === "GC").map((x) => x.conf["cni.dev/valid-attachments"])).toEqual([valid, valid]);
    expect(reservations(net)).toEqual([`${net.prefix}3`]);
  });

  it("host-local GC releases every reservation whose attachment is not listed and keeps the listed ones", () => {
    const host = netns("h"), c = netns("c"), net = network("gc2");
    const conf = ipamConf(net);
    for (const id of ["k1", "s1", "s2"]) expect(execPlugin(OURS, "host-local", "ADD", conf, host, attachment(c, { containerId: id })).code).toBe(0);
    const out = execPlugin(OURS, "host-local", "GC", { ...conf, "cni.dev/valid-attachments": [{ containerID: "k1", ifname: "eth0" }] }, host);
    expect([out.code, out.stdout]).toEqual([0, ""]);
    expect(reservations(net)).toEqual([`${net.prefix}2`]);
  });

  it("bridge GC reaches host-local: a stale reservation made outside the cache is released", () => {
    const host = netns("h"), c = netns("c"), net = network("gc3");
    const { runner } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [bridgePlugin(net)]);
    expect(execPlugin(OURS, "bridge", "ADD", { cniVersion: "1.1.0", name: net.name, ...bridgePlugin(net) }, host, attachment(c)).code).toBe(0);
    runner.gc(list, []);
    expect(reservations(net)).toEqual([]);
  });

  it("the runner honours disableGC: nothing is exec'd and a stale cached attachment stays", () => {
    const host = netns("h"), c = netns("c"), net = network("gc4");
    const { runner, calls } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [bridgePlugin(net)], { disableGC: true });
    runner.add(list, attachment(c));
    runner.gc(list, []);
    expect(calls.map((x) => x.command)).toEqual(["ADD"]);
    expect(reservations(net)).toEqual([`${net.prefix}2`]);
  });

  it("the plugin refuses GC below 1.1.0 with code 1, and the runner sends none (it still DELs stale cached attachments)", () => {
    const host = netns("h"), c = netns("c"), net = network("gc5");
    const { runner, calls } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.0.0", [bridgePlugin(net)]);
    runner.add(list, attachment(c));
    runner.gc(list, []);
    expect(calls.map((x) => x.command)).toEqual(["ADD", "DEL"]);
    expect(reservations(net)).toEqual([]);
    expectCniError(execPlugin(OURS, "bridge", "GC", { cniVersion: "1.0.0", name: net.name, ...bridgePlugin(net), "cni.dev/valid-attachments": [] }, host), 1);
  });
});
