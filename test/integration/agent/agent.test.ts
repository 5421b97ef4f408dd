// host/agent/agent.ts in process against a real etcd, with a fake reconciler: the view on
// join and leave, retries with growing delays and status.json, the conflist of both networks,
// and the underlay read from the kernel.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "../../../host/agent/agent";
import { type AgentConfig, parseAgentConfig } from "../../../host/agent/config";
import type { AgentStatus, Reconciler } from "../../../host/agent/reconcile-loop";
import { readUnderlay } from "../../../host/agent/underlay";
import type { ClusterView } from "../../../host/caps/context";
import { EtcdClient } from "../../../host/cluster/etcd";
import { NetnsHandle } from "../../../host/kernel/netns";
import { loadNative } from "../../../host/kernel/native";
import { etcdMissing, startEtcd, type TestEtcd } from "../../helpers/etcd";
import { ip, netnsPerTest } from "../../helpers/netns";

const newNetns = netnsPerTest();

/** Polls until `f` is true (or throws after `ms`). */
async function until(f: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(etcdMissing() !== undefined)("agent", () => {
  let etcd: TestEtcd;
  let client: EtcdClient;
  const dirs: string[] = [];
  const running: { stop: AbortController; done: Promise<void> }[] = [];
  let n = 0;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.endpoint] });
  });
  afterEach(async () => {
    for (const r of running.splice(0)) {
      r.stop.abort();
      await r.done;
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  function config(prefix: string, name: string, extra: Record<string, unknown> = {}): AgentConfig {
    const dir = mkdtempSync(join(tmpdir(), "agent-"));
    dirs.push(dir);
    return parseAgentConfig({
      nodeName: name,
      etcd: { endpoints: [etcd.endpoint], prefix },
      network: "overlay",
      clusterCidr: "10.244.0.0/16",
      underlay: { link: "lo", address: `192.0.2.${++n}` },
      leaseTtl: 2,
      conflist: { path: join(dir, "net.d/10-wasm-cni.conflist"), name: "cluster" },
      stateDir: join(dir, "state"),
      ...extra,
    }, "test");
  }

  function start(cfg: AgentConfig, reconcile: Reconciler, lines: string[] = [], mtu = 1500): void {
    const stop = new AbortController();
    const done = runAgent({
      config: cfg, reconcile, log: (l) => lines.push(l), backoff: { first: 100, max: 400 },
      underlay: { link: "lo", address: cfg.underlay.address!, mtu },
      readFile: (p) => (existsSync(p) ? readFileSync(p, "utf8") : undefined),
    }, stop.signal);
    running.push({ stop, done });
  }
  const ok: Reconciler = () => Promise.resolve({ ok: true });
  const status = (cfg: AgentConfig): AgentStatus => JSON.parse(readFileSync(join(cfg.stateDir, "status.json"), "utf8")) as AgentStatus;

  it("the view reaches the reconciler when a node joins and when it leaves (its lease ran out after the agent stopped)", async () => {
    const p = `/agent${++n}`;
    const views: ClusterView[] = [];
    const a = config(p, "a", { controller: { options: { directRouting: true } } });
    start(a, (v) => (views.push(v), Promise.resolve({ ok: true })));
    await until(() => views.length >= 1);
    expect(views[0]!.local).toMatchObject({ name: "a", underlay: a.underlay.address, vtepMac: expect.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/) });
    expect(views[0]!.peers).toEqual([]);
    expect(views[0]!).toMatchObject({ clusterCidrs: ["10.244.0.0/16"], underlayLink: "lo", underlayMtu: 1500, options: '{"directRouting":true}' });

    const b = config(p, "b");
    start(b, ok);
    await until(() => views.at(-1)!.peers.length === 1);
    const peer = views.at(-1)!.peers[0]!;
    expect(peer.name).toBe("b");
    expect(peer.underlay).toBe(b.underlay.address);
    expect(peer.subnets[0]).not.toBe(views.at(-1)!.local.subnets[0]);

    // b stops (no revoke): still a peer; then its lease runs out and it leaves the view.
    const bRun = running.pop()!;
    bRun.stop.abort();
    await bRun.done;
    const stoppedAt = Date.now();
    expect(views.at(-1)!.peers.map((x) => x.name)).toEqual(["b"]);
    await until(() => views.at(-1)!.peers.length === 0, 4_000);
    expect(Date.now() - stoppedAt).toBeGreaterThan(1_000);
    expect(status(a)).toMatchObject({ ok: true, peers: [], attempt: 1 });
  });

  it("a failing reconciler is retried with growing delays (0.1, 0.2, 0.4, 0.4 s here), status.json says why, a success resets it", async () => {
    const p = `/agent${++n}`;
    const calls: number[] = [];
    let failing = true;
    const lines: string[] = [];
    const a = config(p, "f");
    start(a, () => {
      calls.push(Date.now());
      return Promise.resolve(failing ? { ok: false, error: { code: 104, msg: "route to 10.244.7.0/24 failed", details: "EEXIST" } } : { ok: true });
    }, lines);
    await until(() => calls.length >= 5, 4_000);
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    expect(gaps[2]).toBeGreaterThanOrEqual(390);
    expect(gaps[3]).toBeGreaterThanOrEqual(390);
    // The delays as the agent chose them: doubling, then capped at max.
    expect(lines.filter((l) => l.startsWith("reconcile failed")).slice(0, 4).map((l) => /retrying in ([\d.]+) s$/.exec(l)?.[1])).toEqual(["0.1", "0.2", "0.4", "0.4"]);
    const s = status(a);
    expect(s).toMatchObject({ ok: false, error: "route to 10.244.7.0/24 failed; EEXIST (code 104)", peers: [] });
    expect(s.attempt).toBeGreaterThanOrEqual(4);
    expect(Date.parse(s.at)).toBeGreaterThan(calls[0]! - 1_000);
    expect(lines.filter((l) => /reconcile failed \(attempt \d+, peers none\): route to 10\.244\.7\.0\/24 failed; EEXIST \(code 104\); retrying in/.test(l)).length).toBeGreaterThanOrEqual(4);
    failing = false;
    await until(() => status(a).ok, 2_000);
    expect(status(a).error).toBeUndefined();
  });

  it("views arriving while a reconcile runs are coalesced: the next reconcile gets the newest", async () => {
    const p = `/agent${++n}`;
    const seen: string[][] = [];
    let release: () => void = () => {};
    const a = config(p, "slow");
    start(a, (v) => {
      seen.push(v.peers.map((x) => x.name));
      return new Promise((r) => (release = () => r({ ok: true })));
    });
    await until(() => seen.length === 1);
    for (const name of ["p1", "p2", "p3"]) start(config(p, name), ok);
    // All three joined while the first reconcile still runs.
    await until(async () => (await client.range(`${p}/nodes/`, { prefix: true })).kvs.length === 4);
    await new Promise((r) => setTimeout(r, 200));
    release();
    await until(() => seen.length === 2);
    release();
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([[], ["p1", "p2", "p3"]]);
  });

  it("overlay conflist: bridge cni0 as gateway, mtu = underlay - 50, host-local in the node's subnets and dataDir", async () => {
    const p = `/agent${++n}`;
    const cfg = config(p, "ov", { clusterCidr6: "fd00:10::/48", subnetLength6: 64 });
    cfg.conflist.dataDir = "/var/lib/wasm-cni/networks";
    const views: ClusterView[] = [];
    start(cfg, (v) => (views.push(v), Promise.resolve({ ok: true })), [], 9000);
    await until(() => views.length > 0);
    const [v4, v6] = views[0]!.local.subnets;
    expect(JSON.parse(readFileSync(cfg.conflist.path, "utf8"))).toEqual({
      cniVersion: "1.0.0",
      name: "cluster",
      plugins: [{
        type: "bridge", bridge: "cni0", isGateway: true, isDefaultGateway: true, mtu: 8950,
        ipam: { type: "host-local", ranges: [[{ subnet: v4 }], [{ subnet: v6 }]], dataDir: "/var/lib/wasm-cni/networks" },
      }],
    });
  });

  it("routed conflist: type routed, mtu = underlay, host-local in the node's subnet", async () => {
    const p = `/agent${++n}`;
    const cfg = config(p, "rt", { network: "routed" });
    const views: ClusterView[] = [];
    start(cfg, (v) => (views.push(v), Promise.resolve({ ok: true })), [], 1500);
    await until(() => views.length > 0);
    expect(JSON.parse(readFileSync(cfg.conflist.path, "utf8"))).toEqual({
      cniVersion: "1.0.0",
      name: "cluster",
      plugins: [{ type: "routed", mtu: 1500, ipam: { type: "host-local", ranges: [[{ subnet: views[0]!.local.subnets[0] }]] } }],
    });
  });

  it("a peer record outside the cluster CIDR or on this node's subnet is left out of the view and logged", async () => {
    const p = `/agent${++n}`;
    const views: ClusterView[] = [];
    const lines: string[] = [];
    start(config(p, "me"), (v) => (views.push(v), Promise.resolve({ ok: true })), lines);
    await until(() => views.length > 0);
    const mine = views[0]!.local.subnets[0]!;
    await client.put(`${p}/nodes/evil`, JSON.stringify({ name: "evil", subnets: [mine], underlay: "192.0.2.66", vtepMac: "02:00:00:00:00:66" }));
    await client.put(`${p}/nodes/far`, JSON.stringify({ name: "far", subnets: ["10.1.0.0/24"], underlay: "192.0.2.67", vtepMac: "02:00:00:00:00:67" }));
    await client.put(`${p}/nodes/junk`, "{");
    await client.put(`${p}/nodes/good`, JSON.stringify({ name: "good", subnets: ["10.244.250.0/24"], underlay: "192.0.2.68", vtepMac: "02:00:00:00:00:68" }));
    await until(() => views.at(-1)!.peers.some((x) => x.name === "good"));
    expect(views.at(-1)!.peers.map((x) => x.name)).toEqual(["good"]);
    const log = lines.join("\n");
    expect(log).toContain(`node evil: subnet ${mine} is not a free subnet of 10.244.0.0/16`);
    expect(log).toContain("node far: subnet 10.1.0.0/24 is not a free subnet");
    expect(log).toContain(`${p}/nodes/junk: not JSON`);
  });

  it("the underlay is read from the kernel: the link's mtu and its first global IPv4 address", () => {
    const ns = newNetns("ul");
    ip(ns, "link", "add", "ul0", "mtu", "1450", "type", "veth", "peer", "name", "ul1");
    ip(ns, "addr", "add", "fe80::1/64", "dev", "ul0");
    ip(ns, "addr", "add", "10.0.0.9/24", "dev", "ul0");
    ip(ns, "addr", "add", "10.0.0.10/24", "dev", "ul0");
    const h = NetnsHandle.open(loadNative(), ns.path);
    try {
      expect(readUnderlay(h, "ul0")).toEqual({ link: "ul0", address: "10.0.0.9", mtu: 1450 });
      expect(readUnderlay(h, "ul0", "10.0.0.10")).toEqual({ link: "ul0", address: "10.0.0.10", mtu: 1450 });
      expect(() => readUnderlay(h, "ul1")).toThrow('underlay link ul1 has no global IPv4 address: give one in field "underlay.address"');
      expect(() => readUnderlay(h, "nope0")).toThrow('underlay link "nope0" does not exist (field "underlay.link")');
    } finally {
      h.close();
    }
  });
});
