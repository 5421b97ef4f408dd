// The journal undoes every change an ADD made, deletes and replaces included, against the
// `intruder` fixture: on a shared bridge its config names (br0) it deletes a route, replaces
// another, flips its port's flags, removes its container's firewall rules, strips the gateway
// addresses and deletes a bridge in the container, then fails. Afterwards the kernel state is
// exactly what it was (ip -j, nft -j), each undo is in the audit line, and a link the journal
// could not recreate is refused in the host netns before it is deleted.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

const GRANT = { interfaces: ["netns", "link", "addr", "route", "firewall"], hostNetns: true, linkKinds: ["veth"] };

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["intruder"]);
  policy = writePolicy({ intruder: GRANT });
}, 120_000);

const netns = netnsPerTest({ ipv6: false });

/**
 * The shared bridge br0 with its gateway 10.90.0.1/24 and a second address with flags and a
 * label, a route via a gateway (metric 50, proto static) and one with an MTU (scope link), and
 * port0, a port of br0 marked as the plugin's (made by an earlier ADD), hairpin off, learning on.
 */
function sharedBridge(): TestNetns {
  const host = netns("host");
  ip(host, "link", "add", "br0", "type", "bridge");
  ip(host, "link", "set", "br0", "up");
  ip(host, "addr", "add", "10.90.0.1/24", "brd", "+", "dev", "br0");
  ip(host, "addr", "add", "10.91.0.1/24", "dev", "br0", "noprefixroute", "label", "br0:gw");
  ip(host, "route", "add", "10.92.0.0/24", "via", "10.90.0.254", "dev", "br0", "metric", "50", "proto", "static");
  ip(host, "route", "add", "10.93.0.0/24", "dev", "br0", "scope", "link", "mtu", "1400");
  ip(host, "link", "add", "port0", "type", "veth", "peer", "name", "port1");
  ip(host, "link", "set", "port0", "alias", "wasm-cni:intruder");
  ip(host, "link", "set", "port0", "master", "br0", "up");
  ip(host, "link", "set", "port0", "type", "bridge_slave", "hairpin", "off", "learning", "on");
  ip(host, "link", "set", "port1", "up");
  settle(host, "br0");
  return host;
}

/** Waits until the link's carrier is up (the kernel reports it a moment later), so that snapshots compare. */
function settle(ns: TestNetns, name: string): void {
  for (let i = 0; i < 50; i++) {
    if (ipJson<{ operstate: string }[]>(ns, ["link", "show", name])[0]?.operstate === "UP") return;
    execFileSync("sleep", ["0.1"]);
  }
  throw new Error(`${name} did not come up`);
}

/** `ip -d -j link` without the timers that run on their own (a bridge's gc_timer, ...). */
function links(ns: TestNetns): unknown {
  return JSON.parse(JSON.stringify(ipJson(ns, ["-d", "link", "show"]), (k, v: unknown) => (k.endsWith("_timer") ? undefined : v)));
}

/** nft -j with rule handles left out: a rule put back gets a new one. */
function nftState(ns: TestNetns): unknown {
  const out = JSON.parse(ns.exec("nft", ["-j", "list", "ruleset"])) as { nftables: Record<string, Record<string, unknown>>[] };
  return out.nftables.filter((o) => !("metainfo" in o)).map((o) => {
    const rule = o.rule;
    if (rule === undefined) return o;
    const { handle: _h, ...rest } = rule;
    return { rule: rest };
  });
}

function state(ns: TestNetns): unknown {
  return {
    links: links(ns),
    addrs: JSON.parse(JSON.stringify(ipJson(ns, ["-d", "addr", "show"]), (k, v: unknown) => (k.endsWith("_timer") ? undefined : v))),
    routes: ipJson(ns, ["-d", "route", "show", "table", "all"]),
    nft: nftState(ns),
  };
}

function call(host: TestNetns, c: TestNetns, config: Record<string, unknown>): HostileOutcome {
  return runHostile({
    plugin: "intruder", pluginDir, policy, host, netns: c,
    config: { name: "journal", bridge: "br0", ipam: { type: "host-local", subnet: "10.88.0.0/13" }, ...config },
  });
}

describe("the journal undoes deletes and replaces", () => {
  it("a failed ADD that deleted and replaced routes, port flags, firewall rules, addresses and a container link has them all back", () => {
    const host = sharedBridge();
    const c = netns("ctr");
    // An earlier ADD of this attachment: its veth, the container's address and its masquerade rule.
    const first = call(host, c, { mode: "masq", cidr: "10.90.0.5/24", allowed: true });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    ip(c, "link", "add", "cbr0", "mtu", "1400", "address", "02:00:00:00:00:42", "type", "bridge");
    ip(c, "link", "set", "cbr0", "up", "alias", "mine");
    const before = { host: state(host), c: state(c) };
    expect(JSON.stringify(before.host)).toContain("masquerade");

    const r = call(host, c, { mode: "journal" });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json).toMatchObject({ msg: "intruder journal: done, now failing" });
    expect({ host: state(host), c: state(c) }).toEqual(before);

    const undos = r.audit().calls.filter((x) => x.plugin === "host" && x.fn.startsWith("undo "));
    expect(undos.map((u) => u.fn)).toEqual([
      expect.stringMatching(/^undo link.delete cbr0 \(ns \d\)/),
      expect.stringMatching(/^undo addr.delete 10.90.0.1\/24 br0/),
      expect.stringMatching(/^undo addr.delete 10.91.0.1\/24 br0/),
      expect.stringMatching(/^undo firewall.remove/),
      expect.stringMatching(/^undo link.set-port port0/),
      expect.stringMatching(/^undo route.replace 10.93.0.0\/24/),
      expect.stringMatching(/^undo route.delete 10.92.0.0\/24/),
    ]);
    expect(undos.every((u) => u.outcome === "ok"), JSON.stringify(undos)).toBe(true);
  });

  it("a link of the container that cannot be made again (a veth) is stated as not recreated in the undo record", () => {
    const host = sharedBridge();
    const c = netns("ctr");
    ip(c, "link", "add", "cv0", "type", "veth", "peer", "name", "cv1");
    const r = call(host, c, { mode: "delete-container", target: "cv0" });
    expect(r.json).toMatchObject({ msg: "intruder delete-container: done, now failing" });
    const undos = r.audit().calls.filter((x) => x.plugin === "host" && x.fn.startsWith("undo "));
    expect(undos).toEqual([expect.objectContaining({
      fn: expect.stringMatching(/^undo link.delete cv0 \(ns \d\)/),
      outcome: "failed: link cv0 (kind veth) was deleted and cannot be recreated as it was",
    })]);
  });

  it("an ADD may not delete a host link it did not create in this call (the journal could not put it back): denied, audited, nothing changed", () => {
    const host = sharedBridge();
    const c = netns("ctr");
    const before = { host: state(host), c: state(c) };
    const r = call(host, c, { mode: "delete-host", target: "port0" });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const msg = /^intruder delete-host: denied: plugin "intruder" may not delete host link port0 during ADD: it was not created by this call/;
    expect(r.json).toMatchObject({ msg: expect.stringMatching(msg) });
    expect(r.audit().denials).toEqual([{ plugin: "intruder", fn: "link.delete", reason: expect.stringMatching(/^plugin "intruder" may not delete host link port0 during ADD/) }]);
    expect({ host: state(host), c: state(c) }).toEqual(before);
  });
});
