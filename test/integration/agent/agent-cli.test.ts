// `bin/wasm-cni agent` as an operator (or systemd) runs it: malformed configs exit 1 naming the
// field; SIGTERM exits 0 and leaves the lease (the node stays in the cluster until its TTL);
// `--leave` revokes it at once.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdClient } from "../../../host/cluster/etcd";
import { HOST_BIN } from "../../helpers/fixtures";
import { etcdMissing, startEtcd, type TestEtcd } from "../../helpers/etcd";
import { ip, netnsPerTest } from "../../helpers/netns";

const newNetns = netnsPerTest();

describe.skipIf(etcdMissing() !== undefined)("wasm-cni agent", () => {
  let etcd: TestEtcd;
  let client: EtcdClient;
  let dir: string;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.endpoint] });
    dir = mkdtempSync(join(tmpdir(), "agent-cli-"));
  });
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  function configFile(name: string, over: Record<string, unknown> = {}): string {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({
      nodeName: name,
      etcd: { endpoints: [etcd?.endpoint ?? "http://127.0.0.1:2379"], prefix: `/cli-${name}` },
      network: "overlay",
      clusterCidr: "10.244.0.0/16",
      underlay: { link: "lo", address: "192.0.2.10" },
      leaseTtl: 30,
      conflist: { path: join(dir, name, "10-wasm-cni.conflist"), name: "cluster" },
      stateDir: join(dir, name, "state"),
      ...over,
    }));
    return file;
  }
  const agent = (...args: string[]) => spawnSync(HOST_BIN, ["agent", ...args], { env, encoding: "utf8", timeout: 10_000 });

  it.each([
    [{ network: "vxlan" }, 'field "network" must be one of "overlay" or "routed"'],
    [{ leaseTtl: "10" }, 'field "leaseTtl" must be a number'],
    [{ etcd: { endpoints: [] } }, 'field "etcd.endpoints" must list at least one endpoint'],
    [{ etcd: { endpoints: ["10.0.0.1:2379"] } }, 'field "etcd.endpoints[0]" must be an http(s) URL'],
    [{ clusterCidr: "10.244.0.0/16", subnetLength: 12 }, 'field "clusterCidr" with subnetLength: subnet length 12 must be between 16 and 32 for 10.244.0.0/16'],
    [{ clusterCidr: "fd00::/48" }, 'field "clusterCidr" must be an IPv4 CIDR'],
    [{ clusterCidr6: "fd00::/48", subnetLength6: 40 }, 'field "clusterCidr6" with subnetLength6: subnet length 40 must be between 48 and 128'],
    [{ conflist: { path: "relative.conflist", name: "c" } }, 'field "conflist.path" must be an absolute path'],
    [{ underlay: { link: "eth0", address: "not-ip" } }, 'field "underlay.address" must be an IP address'],
    [{ nodeName: "a/b" }, 'field "nodeName" must be a node name'],
    [{ leaseTTL: 10 }, 'Unrecognized key: "leaseTTL"'],
  ])("config %j exits 1 and says: %s", (over, message) => {
    const r = agent("--config", configFile("bad", over));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("a missing config file, bad JSON and an absent underlay link exit 1 with one line", () => {
    expect(agent("--config", join(dir, "none.json")).stderr).toMatch(/agent config .*none\.json: cannot read it: ENOENT/);
    writeFileSync(join(dir, "broken.json"), "{");
    const r = agent("--config", join(dir, "broken.json"));
    expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(/broken\.json: not valid JSON/)]);
    const l = agent("--config", configFile("nolink", { underlay: { link: "nope0" } }));
    expect([l.status, l.stderr.trim()]).toEqual([1, 'wasm-cni agent: underlay link "nope0" does not exist (field "underlay.link")']);
    expect(agent().status).toBe(2);
  });

  it("a cluster CIDR with no free subnet exits 1 with one line naming the CIDR and the holders", async () => {
    await client.put("/cli-full/subnets/10.9.0.0_24", "other-node");
    const r = agent("--config", configFile("full", { clusterCidr: "10.9.0.0/24", etcd: { endpoints: [etcd.endpoint], prefix: "/cli-full" } }));
    expect([r.status, r.stderr.trim()]).toEqual([1, "wasm-cni agent: cluster CIDR 10.9.0.0/24 has no free /24 subnet: all 1 are held (by other-node)"]);
    expect((await client.range("/cli-full/nodes/", { prefix: true })).kvs).toEqual([]);
  });

  /** Starts the agent; resolves once it has registered. */
  async function startAgent(config: string): Promise<{ child: ChildProcess; log: () => string; exit: Promise<number | null> }> {
    const child = spawn(HOST_BIN, ["agent", "--config", config], { env, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.setEncoding("utf8").on("data", (s: string) => void (log += s));
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const end = Date.now() + 8_000;
    while (!/registered/.test(log)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`agent did not register:\n${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { child, log: () => log, exit };
  }

  it("SIGTERM exits 0 and does not revoke the lease: the node and its subnet stay; --leave then revokes them", async () => {
    const config = configFile("term");
    const a = await startAgent(config);
    const nodes = async () => (await client.range("/cli-term/", { prefix: true })).kvs;
    expect((await nodes()).map((kv) => kv.key).sort()).toEqual(["/cli-term/nodes/term", expect.stringMatching(/^\/cli-term\/subnets\/10\.244\.\d+\.0_24$/)]);
    const conflist = JSON.parse(readFileSync(join(dir, "term", "10-wasm-cni.conflist"), "utf8")) as { plugins: { type: string }[] };
    expect(conflist.plugins[0]!.type).toBe("bridge");
    a.child.kill("SIGTERM");
    expect(await a.exit).toBe(0);
    expect(a.log()).toMatch(/stopping: lease \d+ is left to expire in 30 s/);
    const kvs = await nodes();
    expect(kvs).toHaveLength(2);
    expect(await client.leaseTimeToLive(kvs[0]!.lease)).toBeGreaterThan(20);

    const r = agent("--config", config, "--leave");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/node term left the cluster: removed lease \d+/);
    expect(await nodes()).toEqual([]);
    expect(existsSync(join(dir, "term", "10-wasm-cni.conflist"))).toBe(false);
  });

  it("in a node's netns, the agent reads its underlay from the kernel and runs the configured controller through runController: a missing one is a failed reconcile, retried, in status.json and on stderr", async () => {
    const ns = newNetns("node");
    ip(ns, "link", "add", "ul0", "type", "veth", "peer", "name", "ul1");
    ip(ns, "addr", "add", "10.0.0.1/24", "dev", "ul0");
    ip(ns, "link", "set", "ul0", "up");
    const nodeEtcd = await startEtcd({ netns: ns.name });
    try {
      const config = configFile("ctl", {
        etcd: { endpoints: [nodeEtcd.endpoint] }, underlay: { link: "ul0" }, controller: { plugin: "no-such-controller" },
      });
      const child = spawn("ip", ["netns", "exec", ns.name, HOST_BIN, "agent", "--config", config], { env, stdio: ["ignore", "ignore", "pipe"] });
      let log = "";
      child.stderr!.setEncoding("utf8").on("data", (t: string) => void (log += t));
      const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      const statusFile = join(dir, "ctl", "state", "status.json");
      const end = Date.now() + 6_000;
      while (!/"attempt":2/.test(existsSync(statusFile) ? readFileSync(statusFile, "utf8") : "") && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const status = JSON.parse(readFileSync(statusFile, "utf8")) as Record<string, unknown>;
      expect(status).toMatchObject({ ok: false, peers: [], attempt: 2 });
      expect(status.error).toMatch(/no-such-controller/);
      expect(log).toMatch(/registered: subnets 10\.244\.\d+\.0\/24, underlay 10\.0\.0\.1 \(ul0, mtu 1500\)/);
      expect(log).toMatch(/reconcile failed \(attempt 1, peers none\): .*no-such-controller.*retrying in 0\.5 s/);
      const conflist = JSON.parse(readFileSync(join(dir, "ctl", "10-wasm-cni.conflist"), "utf8")) as { plugins: { mtu: number }[] };
      expect(conflist.plugins[0]!.mtu).toBe(1450);
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    } finally {
      await nodeEtcd.stop();
    }
  });

  it("SIGINT also exits 0; a restarted agent keeps its subnet", async () => {
    const config = configFile("again");
    const first = await startAgent(config);
    const subnet = (await client.range("/cli-again/subnets/", { prefix: true })).kvs[0]!.key;
    first.child.kill("SIGINT");
    expect(await first.exit).toBe(0);
    const second = await startAgent(config);
    expect((await client.range("/cli-again/subnets/", { prefix: true })).kvs.map((kv) => kv.key)).toEqual([subnet]);
    second.child.kill("SIGTERM");
    expect(await second.exit).toBe(0);
  });
});
