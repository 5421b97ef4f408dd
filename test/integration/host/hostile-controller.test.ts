// A node controller's scope in the host netns is derived from the cluster view the agent hands
// it, never from what it passes: against the `trespasser` fixture (world controller; each
// reconcile first makes its own veth pair, an address in the node's subnet and a route to the
// first peer, then tries one escape) run by `wasm-cni reconcile` inside a test "node" netns.
// Each escape is refused (denied, audited with verb RECONCILE), and the failed reconcile is
// rolled back: the node's links, addresses and routes are as they were. `peer-router`, which
// stays inside its scope, succeeds and converges. A controller named as a CNI plugin and a CNI
// plugin given to the controller runner are refused with CNI error 7.
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { AuditLine } from "../../../host/runtime/audit";
import { HOST_BIN } from "../../helpers/fixtures";
import { expectCniError, runHostile, tempDir, writePolicy } from "../../helpers/hostile";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildFixtures, buildPluginsUnderTest } from "../../helpers/plugin-under-test";

const TRESPASSER_GRANT = { interfaces: ["netns", "link", "addr", "route", "log"], hostNetns: true, linkKinds: ["veth", "macvlan"], timeLimitMs: 1000 };
const PEER_ROUTER_GRANT = { interfaces: ["netns", "route", "log"], hostNetns: true };

let pluginDir: string;

beforeAll(async () => {
  await buildPluginsUnderTest(["ptp"]); // a CNI plugin, for the runner of the other world
  pluginDir = await buildFixtures(["trespasser", "peer-router"]);
}, 180_000);

const netns = netnsPerTest({ ipv6: false });

const VIEW = {
  local: { name: "node1", subnets: ["10.244.1.0/24"], underlay: "192.168.50.1", vtepMac: "" },
  peers: [
    { name: "node2", subnets: ["10.244.2.0/24"], underlay: "192.168.50.2", vtepMac: "" },
    { name: "node3", subnets: ["10.244.3.0/24"], underlay: "192.168.50.3", vtepMac: "" },
  ],
  clusterCidrs: ["10.244.0.0/16"],
  underlayLink: "eth0",
  underlayMtu: 1500,
  options: "{}",
};

/**
 * A test node: underlay eth0 (192.168.50.1/24, up, its peer in a netns of its own), the
 * default route via 192.168.50.254, and a pod link pod0 (a veth) with the route to the node's
 * own pod subnet on it, as a bridge would have it.
 */
function node(): TestNetns {
  const n = netns("node");
  const lan = netns("lan");
  ip(n, "link", "add", "eth0", "type", "veth", "peer", "name", "lan0", "netns", lan.name);
  ip(n, "addr", "add", "192.168.50.1/24", "dev", "eth0");
  ip(n, "link", "set", "eth0", "up");
  ip(lan, "link", "set", "lan0", "up");
  ip(n, "route", "add", "default", "via", "192.168.50.254", "dev", "eth0");
  ip(n, "link", "add", "pod0", "type", "veth", "peer", "name", "pod1");
  ip(n, "link", "set", "pod0", "up");
  ip(n, "link", "set", "pod1", "up");
  ip(n, "route", "add", "10.244.1.0/24", "dev", "pod0");
  return n;
}

/** Links, addresses and routes of every table, as ip -j shows them. */
function state(ns: TestNetns): unknown {
  return {
    links: ipJson(ns, ["-d", "link", "show"]),
    addrs: ipJson(ns, ["addr", "show"]),
    routes: ipJson(ns, ["route", "show", "table", "all"]),
  };
}

interface Reconciled {
  code: number;
  stdout: string;
  stderr: string;
  json: { ok: boolean; error?: { code: number; msg: string } };
  audit(): AuditLine;
}

/** `wasm-cni reconcile --plugin <plugin> --view <file> --json` inside `n`, with a policy and an audit log of its own. */
function reconcile(n: TestNetns, plugin: string, options: Record<string, unknown>, grants: Record<string, unknown>, view = VIEW): Reconciled {
  const dir = tempDir("reconcile");
  const viewFile = join(dir, "view.json");
  writeFileSync(viewFile, JSON.stringify({ ...view, options: JSON.stringify(options) }));
  const log = join(dir, "audit.jsonl");
  const r = spawnSync("ip", ["netns", "exec", n.name, HOST_BIN, "reconcile", "--plugin", plugin, "--view", viewFile, "--json"], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: writePolicy(grants), WASM_CNI_AUDIT_LOG: log },
  });
  return {
    code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: JSON.parse(r.stdout || "{}"),
    audit: () => JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!) as AuditLine,
  };
}

/** The reconcile failed with `fn` denied for `reason`, audited as a RECONCILE with that denial and the allowed steps undone. */
function expectDenied(r: Reconciled, fn: string, reason: string): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.json).toMatchObject({ ok: false, error: { code: 999, msg: expect.stringContaining(`: denied: ${reason}`) } });
  expect(r.stderr).toMatch(/^wasm-cni reconcile: controller "trespasser" failed \(CNI error 999\), nothing it did is left: /);
  const audit = r.audit();
  expect(audit).toMatchObject({ verb: "RECONCILE", plugin: "trespasser", code: 999, network: "node1" });
  expect(audit.denials).toEqual([{ plugin: "trespasser", fn, reason: expect.stringContaining(reason) }]);
  expect(audit.calls.filter((c) => c.fn.startsWith("undo ")).map((c) => c.outcome)).toEqual(["ok", "ok", "ok", "ok"]);
}

describe("controller scope: routes", () => {
  it.each([
    ["default-route", "route.add", 'controller "trespasser" may not add route 0.0.0.0/0 via 192.168.50.2: its destination is inside no peer\'s subnet'],
    ["local-route", "route.add", 'controller "trespasser" may not add route 10.244.1.0/24 via 192.168.50.2: it is inside the node\'s own subnet 10.244.1.0/24, not a peer\'s'],
    ["wrong-gateway", "route.add", 'controller "trespasser" may not add route 10.244.3.0/24 via 192.168.50.2: the gateway of a route to node3\'s subnet must be node3\'s underlay address 192.168.50.3 or an address inside its subnets'],
    ["route-other-dev", "route.add", 'controller "trespasser" may not add route 10.244.3.0/24 via host link pod0: only out of a link it created or the underlay link eth0'],
    ["delete-local-route", "route.delete", 'controller "trespasser" may not delete route 10.244.1.0/24: it overlaps the node\'s own subnet 10.244.1.0/24'],
    ["delete-default", "route.delete", 'controller "trespasser" may not delete route 0.0.0.0/0: only routes inside the cluster CIDRs (10.244.0.0/16)'],
  ])("%s is denied, audited, and the node is left as it was", (mode, fn, reason) => {
    const n = node();
    const before = state(n);
    const r = reconcile(n, "trespasser", { mode, victim: "pod0" }, { trespasser: TRESPASSER_GRANT });
    expectDenied(r, fn, reason);
    expect(state(n)).toEqual(before);
  });
});

describe("controller scope: addresses and links", () => {
  it.each([
    ["wide-addr", "addr.add", 'controller "trespasser" may not add address 10.244.1.10/16: only addresses whose prefix lies inside the node\'s subnets (10.244.1.0/24)'],
    ["foreign-addr", "addr.add", 'controller "trespasser" may not add address 10.99.0.1/32: only addresses whose prefix lies inside the node\'s subnets (10.244.1.0/24)'],
    ["underlay-delete", "link.delete", 'controller "trespasser" may not delete host link eth0: it did not create it (a controller touches only its own links)'],
    ["underlay-set", "link.set", 'controller "trespasser" may not change host link eth0: it did not create it'],
    ["other-set", "link.set", 'controller "trespasser" may not change host link pod0: it did not create it'],
    ["enslave", "link.set", 'controller "trespasser" may not enslave a link to host link pod0: it did not create it'],
    ["container", "netns.container", 'controller "trespasser" has no container: netns.container is for CNI plugins'],
    // A plugin whose config names no master may hang a link off the default route's link; a controller has no config.
    ["macvlan-underlay", "link.create", 'controller "trespasser" may not make a link on host link eth0: it did not create it'],
  ])("%s is denied, audited, and the node is left as it was", (mode, fn, reason) => {
    const n = node();
    const before = state(n);
    const r = reconcile(n, "trespasser", { mode, victim: "pod0" }, { trespasser: TRESPASSER_GRANT });
    expectDenied(r, fn, reason);
    expect(state(n)).toEqual(before);
  });
});

describe("a reconcile that fails is rolled back", () => {
  it.each([
    ["spin", /plugin "trespasser" reconcile: plugin ran longer than its time limit of 1000 ms and was stopped/],
    ["trap", /plugin "trespasser" (trapped|panicked) in reconcile/],
    ["error", /^trespasser error: failing after its allowed steps, as asked$/],
  ])("%s: the veth pair, address and peer route it made are gone", (mode, msg) => {
    const n = node();
    const before = state(n);
    const r = reconcile(n, "trespasser", { mode }, { trespasser: TRESPASSER_GRANT });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json).toMatchObject({ ok: false, error: { msg: expect.stringMatching(msg) } });
    expect(r.audit()).toMatchObject({ verb: "RECONCILE", plugin: "trespasser", error: expect.stringMatching(msg) });
    expect(state(n)).toEqual(before);
  });

  it("own: the allowed steps succeed and stay (the check of what the rolled-back cases undo)", () => {
    const n = node();
    const r = reconcile(n, "trespasser", { mode: "own" }, { trespasser: TRESPASSER_GRANT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ipJson<{ ifname: string; ifalias?: string }[]>(n, ["link", "show", "tres0"])[0]).toMatchObject({ ifalias: "wasm-cni:trespasser" });
    expect(ipJson<{ dst: string; gateway?: string }[]>(n, ["route", "show", "10.244.2.0/24"])).toEqual([expect.objectContaining({ dst: "10.244.2.0/24", gateway: "192.168.50.2" })]);
  });
});

describe("a controller that stays in scope", () => {
  it("routes each peer's subnet via its underlay address, converges, and removes the route of a peer that left", () => {
    const n = node();
    const routes = () => ipJson<{ dst: string; gateway?: string; dev: string }[]>(n, ["route", "show"])
      .filter((x) => x.dst.startsWith("10.244.")).map((x) => [x.dst, x.gateway ?? "", x.dev]);
    const grants = { "peer-router": PEER_ROUTER_GRANT };
    const first = reconcile(n, "peer-router", {}, grants);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json).toEqual({ ok: true });
    expect(routes()).toEqual([["10.244.1.0/24", "", "pod0"], ["10.244.2.0/24", "192.168.50.2", "eth0"], ["10.244.3.0/24", "192.168.50.3", "eth0"]]);
    expect(first.audit()).toMatchObject({ verb: "RECONCILE", plugin: "peer-router", code: 0, denials: [] });
    const after = state(n);
    expect(reconcile(n, "peer-router", {}, grants).code).toBe(0);
    expect(state(n)).toEqual(after);
    const gone = reconcile(n, "peer-router", {}, grants, { ...VIEW, peers: [VIEW.peers[0]!] });
    expect(gone.code, gone.stdout + gone.stderr).toBe(0);
    expect(routes()).toEqual([["10.244.1.0/24", "", "pod0"], ["10.244.2.0/24", "192.168.50.2", "eth0"]]);
  });
});

describe("each world runs only where it belongs", () => {
  it("a controller named by a network config is refused with CNI error 7 before it runs", () => {
    const r = runHostile({ plugin: "trespasser", pluginDir, policy: writePolicy({ trespasser: TRESPASSER_GRANT }) });
    expectCniError(r, 7, /^plugin "trespasser" is a node controller \(world controller\), not a CNI plugin: `wasm-cni agent` \(or `wasm-cni reconcile`\) runs it/);
    expect(r.audit()).toMatchObject({ verb: "ADD", calls: [] });
  });

  it("a CNI plugin given to the controller runner is refused with CNI error 7 before it runs", () => {
    const n = node();
    const before = state(n);
    const r = reconcile(n, "ptp", {}, {});
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, error: { code: 7, msg: expect.stringMatching(/^plugin "ptp" is a CNI plugin \(world plugin\), not a node controller/) } });
    expect(r.audit()).toMatchObject({ verb: "RECONCILE", calls: [] });
    expect(state(n)).toEqual(before);
  });
});

describe("a controller as a reviewer and an operator see it", () => {
  /** `wasm-cni <args> --json` with WASM_CNI_PLUGIN_DIR `dir`, parsed. */
  function tool<T>(dir: string, ...args: string[]): T {
    const out = execFileSync(HOST_BIN, [...args, "--json"], { encoding: "utf8", env: { PATH: process.env.PATH, WASM_CNI_PLUGIN_DIR: dir, WASM_CNI_POLICY: writePolicy({}) } });
    return JSON.parse(out) as T;
  }

  it("inspect shows its world, for the component file and installed; install records it, and the pinned controller reconciles", () => {
    const file = join(pluginDir, "trespasser.wasm");
    expect(tool<{ world: string; manifest: { world: string } }>(pluginDir, "inspect", file)).toMatchObject({ world: "controller", manifest: { world: "controller" } });
    expect(tool<{ world: string }>(pluginDir, "inspect", "peer-router")).toMatchObject({ world: "controller" });
    const text = execFileSync(HOST_BIN, ["inspect", "peer-router"], { encoding: "utf8", env: { PATH: process.env.PATH, WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: writePolicy({}) } });
    expect(text).toMatch(/^world +controller \(a node controller: wasm-cni agent runs it, no network config can\)$/m);
    const dir = tempDir("controllers");
    const installed = tool<{ policy: Record<string, { sha256: string }> }>(dir, "install", join(pluginDir, "peer-router.wasm"), "--plugin-dir", dir);
    expect(JSON.parse(readFileSync(join(dir, "peer-router", "meta.json"), "utf8"))).toMatchObject({ world: "controller", exports: ["reconcile"] });
    const n = node();
    const grant = { ...PEER_ROUTER_GRANT, sha256: installed.policy["peer-router"]!.sha256 };
    const viewFile = join(tempDir("reconcile"), "view.json");
    writeFileSync(viewFile, JSON.stringify(VIEW));
    const r = spawnSync("ip", ["netns", "exec", n.name, HOST_BIN, "reconcile", "--plugin", "peer-router", "--view", viewFile], {
      encoding: "utf8", env: { PATH: process.env.PATH, WASM_CNI_PLUGIN_DIR: dir, WASM_CNI_POLICY: writePolicy({ "peer-router": grant }) },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^controller "peer-router" reconciled node node1 to the view of \S+ \(2 peers\)/);
  });

  it("a pinned controller whose meta.json claims the plugin world is refused: the pin covers the world", () => {
    const dir = tempDir("controllers");
    const installed = tool<{ policy: Record<string, { sha256: string }> }>(dir, "install", join(pluginDir, "peer-router.wasm"), "--plugin-dir", dir);
    const metaFile = join(dir, "peer-router", "meta.json");
    writeFileSync(metaFile, JSON.stringify({ ...JSON.parse(readFileSync(metaFile, "utf8")), world: "plugin" }));
    const r = runHostile({ plugin: "peer-router", pluginDir: dir, policy: writePolicy({ "peer-router": { ...PEER_ROUTER_GRANT, sha256: installed.policy["peer-router"]!.sha256 } }) });
    expectCniError(r, 999, /^plugin "peer-router" is pinned, but meta.json says it is of world "plugin" and its component peer-router.wasm is of world "controller"/);
  });
});
