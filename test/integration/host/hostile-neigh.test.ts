// The neigh interface and vxlan links against the `diverter` fixture (granted the host netns,
// neigh and link kind vxlan). In the host netns it may program neighbour and FDB entries only on
// links it created (its owner mark) and make a vxlan only on an underlay its config names, from
// an address of that underlay, on no privileged UDP port: a neighbour or FDB entry on the node's
// own vxlan, a delete of the entries there, a vxlan on another underlay, from another link's
// address or on UDP port 53 are refused with `denied`, each audited, and the failed ADD leaves
// every namespace as it was. In its container's netns any link is its own; what it changed there,
// or made in the host netns, a failed ADD takes back (journal): replaced entries come back, added
// ones go, deleted ones return.
import { beforeAll, describe, expect, it } from "vitest";
import { expectCniError, type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

const GRANT = { interfaces: ["netns", "link", "neigh"], hostNetns: true, linkKinds: ["vxlan"] };

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["diverter"]);
  policy = writePolicy({ diverter: GRANT });
}, 120_000);

const netns = netnsPerTest({ ipv6: false });

interface World {
  host: TestNetns;
  ctr: TestNetns;
}

/**
 * The test's "host": its uplink uplink0 (10.0.0.1/24), another link other0 (10.1.0.1/24), and
 * the node's own vxlan vxv on uplink0 with a neighbour and an FDB entry, none made by the plugin.
 * The container: a vxlan vxc with two neighbour and two FDB entries.
 */
function world(): World {
  const host = netns("host"), ctr = netns("ctr");
  ip(host, "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1");
  ip(host, "link", "add", "other0", "type", "veth", "peer", "name", "other1");
  ip(host, "addr", "add", "10.0.0.1/24", "dev", "uplink0");
  ip(host, "addr", "add", "10.1.0.1/24", "dev", "other0");
  for (const l of ["uplink0", "uplink1", "other0", "other1"]) ip(host, "link", "set", l, "up");
  ip(host, "link", "add", "vxv", "type", "vxlan", "id", "1", "local", "10.0.0.1", "dev", "uplink0", "dstport", "8472", "nolearning");
  ip(host, "link", "set", "vxv", "up");
  ip(host, "neigh", "replace", "10.244.9.0", "lladdr", "02:00:00:00:09:09", "dev", "vxv", "nud", "permanent");
  host.exec("bridge", ["fdb", "replace", "02:00:00:00:09:09", "dev", "vxv", "dst", "10.0.0.9", "self", "permanent"]);
  ip(ctr, "link", "add", "vxc", "type", "vxlan", "id", "5", "dstport", "4789", "nolearning");
  ip(ctr, "link", "set", "vxc", "up");
  for (const [n, mac] of [["1", "02:00:00:00:01:01"], ["3", "02:00:00:00:03:03"]] as const) {
    ip(ctr, "neigh", "replace", `10.244.${n}.0`, "lladdr", mac, "dev", "vxc", "nud", "permanent");
    ctr.exec("bridge", ["fdb", "replace", mac, "dev", "vxc", "dst", `10.0.0.1${n}`, "self", "permanent"]);
  }
  return { host, ctr };
}

/** Links, neighbour and FDB entries of a namespace, as ip and bridge show them. */
function state(ns: TestNetns): unknown {
  const fdb = JSON.parse(ns.exec("bridge", ["-j", "fdb", "show"]).trim() || "[]") as { mac: string; ifname?: string; dst?: string; state?: string }[];
  return {
    links: ipJson(ns, ["-d", "link", "show"]),
    neigh: ipJson(ns, ["neigh", "show"]),
    // Only the entries of vxlan devices: a veth's own multicast entries are no one's.
    fdb: fdb.filter((e) => e.ifname?.startsWith("vx") || e.ifname === "dvx0"),
  };
}

const all = (w: World) => ({ host: state(w.host), ctr: state(w.ctr) });

function call(w: World, config: Record<string, unknown>): HostileOutcome {
  return runHostile({ plugin: "diverter", pluginDir, policy, host: w.host, netns: w.ctr, config: { name: "overlay", master: "uplink0", ...config } });
}

const NOT_OWNED = "it did not create it \\(neighbour and FDB scope: only links with its owner mark\\)";
const PEER = { address: "10.244.9.0", mac: "02:00:00:00:66:66", dst: "10.0.0.66" };

// [mode, extra config, the host function refused, what the message says]
const ESCAPES: [string, Record<string, unknown>, string, string][] = [
  ["set-host", { target: "vxv", ...PEER }, "neigh.set", `may not set a neighbour on host link vxv: ${NOT_OWNED}`],
  ["set-host", { target: "uplink0", ...PEER, address: "10.0.0.2" }, "neigh.set", `may not set a neighbour on host link uplink0: ${NOT_OWNED}`],
  ["delete-host", { target: "vxv", address: "10.244.9.0" }, "neigh.delete", `may not delete a neighbour of host link vxv: ${NOT_OWNED}`],
  ["fdb-host", { target: "vxv", ...PEER }, "neigh.set-fdb", `may not set an FDB entry on host link vxv: ${NOT_OWNED}`],
  ["fdb-delete-host", { target: "vxv", mac: "02:00:00:00:09:09", dst: "10.0.0.9" }, "neigh.delete-fdb", `may not delete an FDB entry of host link vxv: ${NOT_OWNED}`],
  ["vxlan-host", { underlay: "other0" }, "link.create",
    "may not make a vxlan on host link other0: it did not create it and its config does not name it \\(scoped link ownership\\)"],
  ["vxlan-host", {}, "link.create", "may not make vxlan dvx0 in the host netns without an underlay: only on a link its config names"],
  ["vxlan-host", { underlay: "uplink0", local: "10.1.0.1" }, "link.create", "may not make vxlan dvx0 with local 10.1.0.1: it is not an address of its underlay uplink0"],
  ["vxlan-host", { underlay: "uplink0", port: 53 }, "link.create",
    "may not make vxlan dvx0 on UDP port 53 in the host netns: ports below 1024 are the node's services' \\(VXLAN uses 4789 or 8472\\)"],
];

describe("hostile plugins with the neigh interface and vxlan links", () => {
  it.each(ESCAPES)("%s %j is refused (%s denied), audited, and every namespace stays as it was", (mode, extra, fn, msg) => {
    const w = world();
    const before = all(w);
    const r = call(w, { mode, ...extra });
    expectCniError(r, 999, new RegExp(`^diverter \\S+: denied: plugin "diverter" ${msg}`));
    expect(r.audit().denials).toEqual([{ plugin: "diverter", fn, reason: expect.stringMatching(new RegExp(`^plugin "diverter" ${msg}`)) }]);
    expect(all(w)).toEqual(before);
  });

  it("in its container's netns it may replace, add and delete entries of any link; the failed ADD puts each back", () => {
    const w = world();
    const before = all(w);
    const r = call(w, { mode: "journal", target: "vxc" });
    expectCniError(r, 999, /^diverter journal: done, now failing/);
    const audit = r.audit();
    expect(audit.denials).toEqual([]);
    expect(audit.calls.filter((c) => c.fn.startsWith("undo ")).map((c) => [c.fn, c.outcome])).toEqual([
      ["undo neigh.delete-fdb 02:00:00:00:03:03 dst 10.0.0.13 vxc (ns 0)", "ok"],
      ["undo neigh.set-fdb 02:00:00:00:02:02 dst 10.0.0.12 vxc (ns 0)", "ok"],
      ["undo neigh.set-fdb 02:00:00:00:01:01 dst 10.0.0.99 vxc (ns 0)", "ok"],
      ["undo neigh.delete 10.244.3.0 vxc (ns 0)", "ok"],
      ["undo neigh.set 10.244.2.0 vxc (ns 0)", "ok"],
      ["undo neigh.set 10.244.1.0 vxc (ns 0)", "ok"],
    ]);
    expect(all(w)).toEqual(before);
  });

  it("with allowed: true the container's entries are as it set them (MACs lower-case)", () => {
    const w = world();
    const r = call(w, { mode: "journal", target: "vxc", allowed: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ipJson<{ dst: string; lladdr: string }[]>(w.ctr, ["neigh", "show", "dev", "vxc"]).map((n) => `${n.dst} ${n.lladdr}`).sort())
      .toEqual(["10.244.1.0 02:00:00:00:0f:0f", "10.244.2.0 02:00:00:00:02:02"]);
    const fdb = JSON.parse(w.ctr.exec("bridge", ["-j", "fdb", "show", "dev", "vxc"])) as { mac: string; dst: string }[];
    expect(fdb.map((e) => `${e.mac} ${e.dst}`).sort()).toEqual(["02:00:00:00:01:01 10.0.0.99", "02:00:00:00:02:02 10.0.0.12"]);
  });

  it("its own vxlan in the host netns (on the underlay its config names) with entries is taken back whole when the ADD fails", () => {
    const w = world();
    const before = all(w);
    const r = call(w, { mode: "own", underlay: "uplink0", local: "10.0.0.1", ...PEER, address: "10.244.7.0" });
    expectCniError(r, 999, /^diverter own: done, now failing/);
    expect(r.audit().calls.filter((c) => c.fn.startsWith("undo ")).map((c) => [c.fn, c.outcome])).toEqual([
      ["undo neigh.set-fdb 02:00:00:00:66:66 dst 10.0.0.66 dvx0 (ns 1)", "ok"],
      ["undo neigh.set 10.244.7.0 dvx0 (ns 1)", "ok"],
      ["undo link.create dvx0 (ns 1)", "ok"],
    ]);
    expect(all(w)).toEqual(before);
  });

  it("with allowed: true its vxlan stays, marked as its own, with the attributes asked for and its entries", () => {
    const w = world();
    const r = call(w, { mode: "own", underlay: "uplink0", local: "10.0.0.1", ...PEER, address: "10.244.7.0", allowed: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [vx] = ipJson<{ ifalias?: string; linkinfo: { info_kind: string; info_data: Record<string, unknown> } }[]>(w.host, ["-d", "link", "show", "dvx0"]);
    expect(vx?.ifalias).toBe("wasm-cni:diverter");
    expect(vx?.linkinfo.info_kind).toBe("vxlan");
    expect(vx?.linkinfo.info_data).toMatchObject({ id: 7, local: "10.0.0.1", link: "uplink0", port: 8472, learning: false });
    expect(ipJson(w.host, ["neigh", "show", "dev", "dvx0"])).toEqual([{ dst: "10.244.7.0", lladdr: "02:00:00:00:66:66", state: ["PERMANENT"] }]);
    expect(JSON.parse(w.host.exec("bridge", ["-j", "fdb", "show", "dev", "dvx0"]))).toEqual([
      { mac: "02:00:00:00:66:66", dst: "10.0.0.66", flags: ["self"], state: "permanent" },
    ]);
  });
});
