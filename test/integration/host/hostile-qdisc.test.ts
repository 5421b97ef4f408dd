// The qdisc interface against the `shaper` fixture (granted the host netns, qdisc, link kind
// ifb). In the host netns it may shape only links it created and the host end of its own
// container's veth: a tbf, ingress qdisc or delete on another host link, a redirect to or from
// one, a tbf on another container's host veth are refused with `denied`, absurd values with
// `invalid`, each audited, and the failed ADD leaves every namespace's links, qdiscs and filters
// as they were; what it was let do (journal) is taken back.
import { beforeAll, describe, expect, it } from "vitest";
import { expectCniError, type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

const GRANT = { interfaces: ["netns", "link", "qdisc"], hostNetns: true, linkKinds: ["ifb"] };

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["shaper"]);
  policy = writePolicy({ shaper: GRANT });
}, 120_000);

const netns = netnsPerTest({ ipv6: false });

interface World {
  host: TestNetns;
  ctr: TestNetns;
  other: TestNetns;
}

/**
 * The test's "host": a victim veth vic0/vic1 with a tbf of its own on vic1, the host end hv0 of
 * the call's container (eth0 in ctr), and hv9, the host end of another container's veth.
 * None made by the plugin.
 */
function world(): World {
  const host = netns("host"), ctr = netns("ctr"), other = netns("oth");
  ip(host, "link", "add", "vic0", "type", "veth", "peer", "name", "vic1");
  ip(host, "link", "add", "hv0", "type", "veth", "peer", "name", "eth0", "netns", ctr.name);
  ip(host, "link", "add", "hv9", "type", "veth", "peer", "name", "eth0", "netns", other.name);
  for (const l of ["vic0", "vic1", "hv0", "hv9"]) ip(host, "link", "set", l, "up");
  ip(ctr, "link", "set", "eth0", "up");
  host.exec("tc", ["qdisc", "add", "dev", "vic1", "root", "tbf", "rate", "1mbit", "burst", "10kb", "latency", "50ms"]);
  return { host, ctr, other };
}

/** Links, qdiscs and every link's ingress filters, as ip and tc show them. */
function state(ns: TestNetns): unknown {
  const links = ipJson<{ ifname: string }[]>(ns, ["-d", "link", "show"]);
  const tc = (args: string[]) => JSON.parse(ns.exec("tc", ["-j", ...args]).trim() || "[]") as unknown;
  return {
    links,
    qdiscs: tc(["qdisc", "show"]),
    filters: links.map((l) => [l.ifname, tc(["filter", "show", "dev", l.ifname, "ingress"])]),
  };
}

const all = (w: World) => ({ host: state(w.host), ctr: state(w.ctr), other: state(w.other) });

function call(w: World, config: Record<string, unknown>): HostileOutcome {
  return runHostile({ plugin: "shaper", pluginDir, policy, host: w.host, netns: w.ctr, config: { name: "shape", veth: "hv0", ...config } });
}

const NOT_IN_SCOPE = "it did not create it and it is not the host end of the container's veth \\(qdisc scope\\)";

// [mode, extra config, the host function refused, what the message says]
const ESCAPES: [string, Record<string, unknown>, string, string][] = [
  ["tbf-host", { target: "vic0" }, "qdisc.add", `may not add a qdisc of host link vic0: ${NOT_IN_SCOPE}`],
  ["tbf-host", { target: "hv9" }, "qdisc.add", `may not add a qdisc of host link hv9: ${NOT_IN_SCOPE}`],
  ["ingress-host", { target: "vic0" }, "qdisc.add", `may not add a qdisc of host link vic0: ${NOT_IN_SCOPE}`],
  ["delete-host", { target: "vic1" }, "qdisc.delete", `may not delete a qdisc of host link vic1: ${NOT_IN_SCOPE}`],
  ["redirect-out", { target: "vic0" }, "qdisc.add-redirect", `may not redirect traffic to host link vic0: ${NOT_IN_SCOPE}`],
  ["redirect-in", { target: "vic0" }, "qdisc.add-redirect", `may not redirect the traffic of host link vic0: ${NOT_IN_SCOPE}`],
];

describe("hostile plugins with the qdisc interface", () => {
  it.each(ESCAPES)("%s %j is refused (%s denied), audited, and every namespace stays as it was", (mode, extra, fn, msg) => {
    const w = world();
    const before = all(w);
    const r = call(w, { mode, ...extra });
    expectCniError(r, 999, new RegExp(`^shaper \\S+: denied: plugin "shaper" ${msg}`));
    const audit = r.audit();
    expect(audit.denials).toEqual([{ plugin: "shaper", fn, reason: expect.stringMatching(new RegExp(`^plugin "shaper" ${msg}`)) }]);
    expect(all(w)).toEqual(before);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["rate 0", { rate: 0 }, /rate 0 bytes\/s is outside 1\.\.2\^64-1/],
    ["burst 0", { burst: 0 }, /burst 0 bytes is outside/],
    ["a bucket of 4 GB at 1 kB/s", { rate: 1000, burst: 4_000_000_000 }, /takes more than 274 s at rate 1000 bytes\/s/],
  ])("a tbf with %s is invalid, sends nothing and changes nothing", (_what, extra, msg) => {
    const w = world();
    const before = all(w);
    const r = call(w, { mode: "absurd", ...extra });
    expectCniError(r, 999, /^shaper absurd: invalid: /);
    expect(r.json).toMatchObject({ msg: expect.stringMatching(msg) });
    expect(r.audit().calls.find((c) => c.fn === "qdisc.add")?.outcome).toMatch(/^invalid: /);
    expect(all(w)).toEqual(before);
  });

  it("its own container's host veth and its own ifb are in scope; the failed ADD takes back the tbfs, the ingress qdisc, the redirect and the ifb", () => {
    const w = world();
    const before = all(w);
    const r = call(w, { mode: "journal" });
    expectCniError(r, 999, /^shaper journal: done, now failing/);
    const audit = r.audit();
    expect(audit.denials).toEqual([]);
    expect(audit.calls.filter((c) => c.fn.startsWith("undo ")).map((c) => [c.fn, c.outcome])).toEqual([
      ["undo qdisc.add-redirect hv0 prio 1 (ns 1)", "ok"],
      ["undo qdisc.add ingress hv0 (ns 1)", "ok"],
      ["undo qdisc.add tbf shp0 (ns 1)", "ok"],
      ["undo restore link shp0 (ns 1)", "ok"],
      ["undo link.create shp0 (ns 1)", "ok"],
      ["undo qdisc.add tbf hv0 (ns 1)", "ok"],
    ]);
    expect(all(w)).toEqual(before);
  });

  it.each([["the kernel's default", false], ["a tbf of its own", true]])("a replace of the container veth's root qdisc (%s) is put back when the ADD fails", (_what, tbfBefore) => {
    const w = world();
    if (tbfBefore) w.host.exec("tc", ["qdisc", "add", "dev", "hv0", "root", "handle", "5:", "tbf", "rate", "3mbit", "burst", "20kb", "latency", "40ms"]);
    const before = all(w);
    const r = call(w, { mode: "replace" });
    expectCniError(r, 999, /^shaper replace: done, now failing/);
    expect(r.audit().calls.filter((c) => c.fn.startsWith("undo ")).map((c) => [c.fn, c.outcome])).toEqual([["undo qdisc.replace tbf hv0 (ns 1)", "ok"]]);
    expect(all(w)).toEqual(before);
  });

  it("during ADD a replace of a root qdisc the journal could not put back (a pfifo) is refused and changes nothing", () => {
    const w = world();
    w.host.exec("tc", ["qdisc", "add", "dev", "hv0", "root", "handle", "7:", "pfifo", "limit", "100"]);
    const before = all(w);
    const r = call(w, { mode: "replace" });
    expectCniError(r, 999, /^shaper replace: denied: plugin "shaper" may not replace the pfifo qdisc of hv0 during ADD: a failed ADD could not put it back/);
    expect(r.audit().denials).toEqual([expect.objectContaining({ fn: "qdisc.replace" })]);
    expect(all(w)).toEqual(before);
  });

  it("during ADD a delete of a qdisc the call did not add is refused (a failed ADD could not put it back)", () => {
    const w = world();
    w.host.exec("tc", ["qdisc", "add", "dev", "hv0", "root", "handle", "5:", "tbf", "rate", "3mbit", "burst", "20kb", "latency", "40ms"]);
    const before = all(w);
    const r = call(w, { mode: "delete-veth" });
    expectCniError(r, 999, /^shaper delete-veth: denied: plugin "shaper" may not delete root of hv0 during ADD: it was not added by this call/);
    expect(all(w)).toEqual(before);
  });

  it("with allowed: true the same steps stay: tbf on hv0 and shp0, hv0's ingress redirected to shp0, shp0 marked as the plugin's", () => {
    const w = world();
    const r = call(w, { mode: "journal", allowed: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const q = JSON.parse(w.host.exec("tc", ["-j", "qdisc", "show"])) as { kind: string; dev: string }[];
    expect(q.filter((x) => x.kind !== "noqueue").map((x) => `${x.dev} ${x.kind}`).sort()).toEqual(["hv0 ingress", "hv0 tbf", "shp0 tbf", "vic1 tbf"]);
    expect(w.host.exec("tc", ["filter", "show", "dev", "hv0", "ingress"])).toMatch(/mirred \(Egress Redirect to device shp0\)/);
    expect(ipJson<{ ifalias?: string }[]>(w.host, ["link", "show", "shp0"])[0]?.ifalias).toBe("wasm-cni:shaper");
    // The audit line holds each call as the plugin made it, u64 values as decimal strings.
    expect(r.audit().calls.find((c) => c.fn === "qdisc.add")).toMatchObject({
      args: [1, "hv0", { tag: "tbf", val: { handle: 1, rate: "125000", burst: 10000, queue: { tag: "latency-us", val: 25000 } } }], outcome: "ok",
    });
    expect(r.audit().calls.find((c) => c.fn === "qdisc.add-redirect")).toMatchObject({ args: [1, "hv0", { to: "shp0", priority: 1, mirror: false }], outcome: "ok" });
  });

  it("in the container's netns any link is in scope", () => {
    const w = world();
    const r = call(w, { mode: "container", target: "eth0", allowed: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(w.ctr.exec("tc", ["qdisc", "show", "dev", "eth0"])).toMatch(/^qdisc tbf 1: root .*rate 1Mbit burst 10000b lat 25ms/m);
  });
});
