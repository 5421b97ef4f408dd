// A small cluster inside the test sandbox, all in namespaces the test makes:
//
//   underlay netns: bridge br0 (10.0.0.254/24, etcd listens there) [and br1, a second segment]
//   node netns ×N:  eth0 (a veth into br0 or br1) with 10.0.<segment>.<i+1>/24, default route
//                   via the underlay; its own agent dirs (config, stateDir, conflist, ipam data)
//   router netns:   (when a node is on segment 1) r0 10.0.0.253/24 in br0, r1 10.0.1.254/24 in
//                   br1, forwarding on: the two underlay subnets reach each other only through it
//   pod netns:      attached in its node's netns through bin/wasm-cni with the agent's conflist,
//                   as a runtime on that node would (tools/conflist-runner.ts, dist/cni-bin)
//
// `createTopology` builds the namespaces and links only (the harness's own test uses it with
// hand-made routes); `createCluster` adds etcd, per-node agent configs, agents and pods.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditLine } from "../../host/runtime/audit";
import { createConflistRunner, parseConflist, type ConflistRunner, type JsonObject } from "../../tools/conflist-runner";
import { etcdMissing, startEtcd, type TestEtcd } from "./etcd";
import { CNI_BIN, HOST_BIN } from "./fixtures";
import { createNetns, type TestNetns } from "./netns";
import type { AgentStatus } from "../../host/agent/reconcile-loop";

/**
 * Fails loudly when etcd is not installed: the cluster tests need it, and .ci/run installs it
 * (a skip would hide a broken CI image).
 */
export function requireEtcd(): void {
  const missing = etcdMissing();
  if (missing) throw new Error(`${missing}: the cluster tests need it (.ci/run installs it)`);
}

/** Where etcd listens: br0's address in the underlay namespace. */
export const ETCD_HOST = "10.0.0.254";
const ROUTER_ON_SEGMENT = ["10.0.0.253", "10.0.1.254"] as const;
/** The port of the pods' TCP echo servers (busybox nc). */
export const ECHO_PORT = 7777;

export interface TopologyNode {
  /** The node's name in the cluster (node1, node2, ...). */
  name: string;
  ns: TestNetns;
  /** Its address on the underlay (eth0). */
  underlay: string;
  /** The underlay segment: 0 = 10.0.0.0/24 on br0, 1 = 10.0.1.0/24 on br1 behind the router. */
  segment: 0 | 1;
}

export interface Topology {
  underlay: TestNetns;
  router?: TestNetns;
  nodes: TopologyNode[];
  /** Removes every namespace it made (links go with them). */
  destroy(): void;
}

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", ...(input !== undefined && { input }) });
}

function ipn(ns: TestNetns, ...args: string[]): void {
  sh("ip", ["-n", ns.name, ...args]);
}

/**
 * The underlay and `segments.length` nodes; `segments[i]` puts node i on segment 0 or 1 (a router
 * namespace appears when any node is on 1). Every node reaches every other and ETCD_HOST.
 */
export function createTopology(segments: (0 | 1)[]): Topology {
  const made: TestNetns[] = [];
  const mk = (prefix: string): TestNetns => {
    const ns = createNetns(prefix);
    made.push(ns);
    return ns;
  };
  const destroy = (): void => {
    for (const ns of made.splice(0).reverse()) ns.remove();
  };
  try {
    const underlay = mk("underlay");
    ipn(underlay, "link", "add", "br0", "type", "bridge");
    ipn(underlay, "addr", "add", `${ETCD_HOST}/24`, "dev", "br0");
    ipn(underlay, "link", "set", "br0", "up");
    let router: TestNetns | undefined;
    if (segments.includes(1)) {
      ipn(underlay, "link", "add", "br1", "type", "bridge");
      ipn(underlay, "link", "set", "br1", "up");
      router = mk("router");
      for (const seg of [0, 1] as const) {
        ipn(underlay, "link", "add", `rt${seg}`, "type", "veth", "peer", "name", `r${seg}`, "netns", router.name);
        ipn(underlay, "link", "set", `rt${seg}`, "master", `br${seg}`, "up");
        ipn(router, "addr", "add", `${ROUTER_ON_SEGMENT[seg]}/24`, "dev", `r${seg}`);
        ipn(router, "link", "set", `r${seg}`, "up");
      }
      router.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
      // etcd's namespace answers nodes on segment 1 through the router.
      ipn(underlay, "route", "add", "10.0.1.0/24", "via", ROUTER_ON_SEGMENT[0]);
    }
    const nodes = segments.map((segment, i): TopologyNode => {
      const name = `node${i + 1}`;
      const ns = mk(name);
      const underlayAddr = `10.0.${segment}.${i + 1}`;
      ipn(underlay, "link", "add", `u-${name}`, "type", "veth", "peer", "name", "eth0", "netns", ns.name);
      ipn(underlay, "link", "set", `u-${name}`, "master", `br${segment}`, "up");
      ipn(ns, "addr", "add", `${underlayAddr}/24`, "dev", "eth0");
      ipn(ns, "link", "set", "eth0", "up");
      const gateway = router ? ROUTER_ON_SEGMENT[segment] : ETCD_HOST;
      ipn(ns, "route", "add", "default", "via", gateway);
      return { name, ns, underlay: underlayAddr, segment };
    });
    return { underlay, ...(router && { router }), nodes, destroy };
  } catch (e) {
    destroy();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Connectivity probes (all between namespaces the test made).

/** One ping from a namespace; true when a reply came within `timeoutSec`. */
export function ping(from: TestNetns, to: string, opts: { count?: number; timeoutSec?: number } = {}): boolean {
  try {
    sh("ip", ["netns", "exec", from.name, "ping", "-n", "-q", "-c", String(opts.count ?? 1), "-W", String(opts.timeoutSec ?? 2), to]);
    return true;
  } catch {
    return false;
  }
}

/** Waits until a ping from `from` to `to` succeeds (routes may still be converging); true when it did. */
export async function waitPing(from: TestNetns, to: string, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (ping(from, to, { timeoutSec: 1 })) return true;
    if (Date.now() > end) return false;
    await sleep(200);
  }
}

/** A TCP echo server in a namespace (busybox nc, one cat per connection) until stopped. */
export function startEchoServer(ns: TestNetns, port = ECHO_PORT): ChildProcess {
  return spawn("ip", ["netns", "exec", ns.name, "busybox", "nc", "-ll", "-p", String(port), "-e", "/bin/cat"], { stdio: "ignore" });
}

/**
 * A TCP exchange: connects from `from` to `to`'s echo server, sends `message` and returns what
 * came back ("" when nothing did).
 */
export function tcpExchange(from: TestNetns, to: string, message: string, port = ECHO_PORT): string {
  try {
    return execFileSync("ip", ["netns", "exec", from.name, "busybox", "nc", "-w", "3", to, String(port)], {
      input: message, encoding: "utf8", timeout: 6000,
    });
  } catch (e) {
    return (e as { stdout?: string }).stdout ?? "";
  }
}

export interface PingLoop {
  /** Ends the loop; the replies seen, and the longest run of lost requests in ms. */
  stop(): Promise<{ sent: number; received: number; longestLossMs: number; output: string }>;
}

/** A ping every `intervalMs` from `from` to `to` until stopped; counts the longest outage. */
export function pingLoop(from: TestNetns, to: string, intervalMs = 100): PingLoop {
  const child = spawn("ip", ["netns", "exec", from.name, "ping", "-n", "-i", String(intervalMs / 1000), "-W", "1", to], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  return {
    stop: async () => {
      const done = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGINT");
      await Promise.race([done, sleep(3000)]);
      const seqs = [...output.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1]));
      const sent = Number(/(\d+) packets transmitted/.exec(output)?.[1] ?? Math.max(0, ...seqs));
      // The longest run of sequence numbers with no reply, from 1 to the last one sent.
      const got = new Set(seqs);
      let longest = 0;
      let run = 0;
      for (let s = 1; s <= sent; s++) {
        run = got.has(s) ? 0 : run + 1;
        longest = Math.max(longest, run);
      }
      return { sent, received: got.size, longestLossMs: longest * intervalMs, output };
    },
  };
}

export interface LinkStats {
  ifname: string;
  stats64: { rx: { packets: number; bytes: number }; tx: { packets: number; bytes: number } };
}

/** Packets sent and received by the vxlan devices of a namespace (`ip -j -s link show type vxlan`). */
export function vxlanCounters(ns: TestNetns): { tx: number; rx: number; devices: string[] } {
  const links = JSON.parse(sh("ip", ["-n", ns.name, "-j", "-s", "link", "show", "type", "vxlan"]).trim() || "[]") as LinkStats[];
  return {
    tx: links.reduce((n, l) => n + l.stats64.tx.packets, 0),
    rx: links.reduce((n, l) => n + l.stats64.rx.packets, 0),
    devices: links.map((l) => l.ifname),
  };
}

/**
 * Counts UDP datagrams to `port` crossing the underlay: an nftables counter on br0/br1's
 * forwarding path (bridge family) in the underlay namespace, and on the router's when there is
 * one. Returns a reader of the total so far. (tcpdump is not installed; counters are enough.)
 */
export function countUnderlayUdp(topo: Topology, port: number): () => number {
  const table = `udp${port}`;
  const setups: [TestNetns, string][] = [[topo.underlay, "bridge"], ...(topo.router ? [[topo.router, "ip"] as [TestNetns, string]] : [])];
  for (const [ns, family] of setups) {
    const script = `table ${family} ${table} {\n chain count {\n  type filter hook forward priority 0; policy accept;\n  udp dport ${port} counter\n }\n}\n`;
    sh("ip", ["netns", "exec", ns.name, "nft", "-f", "-"], script);
  }
  return () => {
    let total = 0;
    for (const [ns, family] of setups) {
      const rs = JSON.parse(sh("ip", ["netns", "exec", ns.name, "nft", "-j", "list", "table", family, table])) as { nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[] };
      for (const item of rs.nftables) for (const e of item.rule?.expr ?? []) total += e.counter?.packets ?? 0;
    }
    return total;
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string | (() => string), probe: () => T | undefined | false, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// The cluster: etcd, agents and pods on a topology.

export type { AgentStatus };

export type Network = "overlay" | "routed";

export interface ClusterOptions {
  network: Network;
  /** One entry per node: its underlay segment (default three nodes on segment 0). */
  segments?: (0 | 1)[];
  /** Lease TTL of every agent in seconds (default 5). */
  leaseTtl?: number;
  clusterCidr?: string;
  /** Merged over each node's agent config (e.g. `controller`). */
  agentConfig?: (node: TopologyNode) => JsonObject;
  /** Extra environment of every agent (e.g. WASM_CNI_PLUGIN_DIR for a fixture controller). */
  agentEnv?: Record<string, string>;
}

export interface Pod {
  name: string;
  ns: TestNetns;
  node: ClusterNode;
  containerId: string;
  /** Its IPv4 address, from the ADD result. */
  ip: string;
  result: JsonObject;
  echo?: ChildProcess;
}

export interface ClusterNode extends TopologyNode {
  /** The node's own temp dir, and the paths its agent config names. */
  dir: string;
  configPath: string;
  stateDir: string;
  conflistPath: string;
  dataDir: string;
  config: JsonObject;
  /** The running agent, if any. */
  agent?: Agent;
  /** What every agent of this node wrote on stderr, across restarts. */
  stderr(): string;
  /** Starts the agent with `overrides` over its config and `env` over the cluster's agent env. */
  startAgent(overrides?: JsonObject, env?: Record<string, string>): Agent;
  /** SIGTERM (the lease stays until its TTL), and waits for the exit. */
  stopAgent(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  killAgent(): Promise<void>;
  /** `wasm-cni agent --config <file> --leave` (run with the agent stopped); returns its stderr. */
  leave(): string;
  status(): AgentStatus | undefined;
  /**
   * Waits until the running agent has written a status (not one left by an agent before it)
   * that says ok with exactly `peers` (default: every other node with a running agent).
   */
  waitConverged(peers?: string[], timeoutMs?: number): Promise<AgentStatus>;
  /** The audit lines of the node's agent and CNI calls (WASM_CNI_AUDIT_LOG, one per node). */
  audit(): AuditLine[];
  /** The conflist the agent wrote, parsed, or undefined before it did. */
  conflist(): JsonObject | undefined;
  /** The node's pod subnet (IPv4), from the conflist's host-local ranges. */
  podSubnet(): string;
}

export interface Agent {
  child: ChildProcess;
  /** Date.now() just before it was spawned: statuses older than this are a former agent's. */
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Cluster {
  topo: Topology;
  etcd: TestEtcd;
  nodes: ClusterNode[];
  pods: Pod[];
  network: Network;
  /** Starts every node's agent and waits until each sees all the others. */
  startAgents(timeoutMs?: number): Promise<void>;
  /** Attaches a pod in `node` through bin/wasm-cni and the node's conflist; starts its echo server. */
  addPod(node: ClusterNode, name: string): Pod;
  delPod(pod: Pod): void;
  /** Kills the agents, etcd, echo servers; removes every namespace and temp dir. */
  destroy(): Promise<void>;
}

/** The IPv4 subnet of a conflist's host-local ranges (the first one). */
function subnetOf(conflist: JsonObject): string | undefined {
  const plugins = (conflist["plugins"] ?? []) as JsonObject[];
  for (const p of plugins) {
    const ipam = p["ipam"] as { ranges?: { subnet: string }[][] } | undefined;
    for (const set of ipam?.ranges ?? []) for (const r of set) if (!r.subnet.includes(":")) return r.subnet;
  }
  return undefined;
}

export async function createCluster(opts: ClusterOptions): Promise<Cluster> {
  const topo = createTopology(opts.segments ?? [0, 0, 0]);
  const root = mkdtempSync(join(tmpdir(), "wasm-cni-cluster-"));
  const id = randomBytes(3).toString("hex");
  const pods: Pod[] = [];
  let etcd: TestEtcd;
  try {
    requireEtcd();
    etcd = await startEtcd({ host: ETCD_HOST, netns: topo.underlay.name });
  } catch (e) {
    topo.destroy();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const cacheDir = join(root, "cni-cache");

  const nodes = topo.nodes.map((t): ClusterNode => {
    const dir = join(root, t.name);
    mkdirSync(dir, { recursive: true });
    const stateDir = join(dir, "state");
    const conflistPath = join(dir, "net.d", "10-wasm-cni.conflist");
    const dataDir = join(dir, "ipam");
    const configPath = join(dir, "agent.json");
    const config: JsonObject = {
      nodeName: t.name,
      etcd: { endpoints: [etcd.endpoint], prefix: "/wasm-cni" },
      network: opts.network,
      clusterCidr: opts.clusterCidr ?? "10.244.0.0/16",
      subnetLength: 24,
      underlay: { link: "eth0" },
      leaseTtl: opts.leaseTtl ?? 5,
      conflist: { path: conflistPath, name: "cluster", dataDir },
      stateDir,
      ...opts.agentConfig?.(t),
    };
    let stderr = "";
    const node: ClusterNode = {
      ...t, dir, configPath, stateDir, conflistPath, dataDir, config,
      stderr: () => stderr,
      startAgent: (overrides = {}, extraEnv = {}) => {
        if (node.agent) throw new Error(`${t.name}: an agent is already running`);
        writeFileSync(configPath, JSON.stringify({ ...config, ...overrides }, null, 2));
        const { NODE_EXTRA_CA_CERTS: _ca, NODE_OPTIONS: _no, ...env } = process.env;
        const startedAt = Date.now();
        const child = spawn("ip", ["netns", "exec", t.ns.name, HOST_BIN, "agent", "--config", configPath], {
          stdio: ["ignore", "ignore", "pipe"],
          env: { ...env, WASM_CNI_PRESTART_DIR: "off", WASM_CNI_AUDIT_LOG: join(dir, "audit.jsonl"), ...opts.agentEnv, ...extraEnv },
        });
        child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
          child.once("exit", (code, signal) => {
            if (node.agent?.child === child) delete node.agent;
            r({ code, signal });
          }),
        );
        node.agent = { child, startedAt, exited };
        return node.agent;
      },
      stopAgent: async () => stopWith(node, "SIGTERM"),
      leave: () => {
        const r = spawnSync("ip", ["netns", "exec", t.ns.name, HOST_BIN, "agent", "--config", configPath, "--leave"], { encoding: "utf8", timeout: 20_000 });
        stderr += r.stderr;
        if (r.status !== 0) throw new Error(`${t.name}: agent --leave exited ${r.status}: ${r.stderr}`);
        return r.stderr;
      },
      killAgent: async () => stopWith(node, "SIGKILL"),
      status: () => {
        try {
          return JSON.parse(readFileSync(join(stateDir, "status.json"), "utf8")) as AgentStatus;
        } catch {
          return undefined; // not written yet, or mid-rename
        }
      },
      waitConverged: async (peers, timeoutMs = 20_000) => {
        const want = () => (peers ?? nodes.filter((n) => n !== node && n.agent).map((n) => n.name)).slice().sort();
        return waitFor(
          () => `${t.name} to converge on peers [${want().join(",")}]; status ${JSON.stringify(node.status())}; agent stderr:\n${stderr.slice(-2000)}`,
          () => {
            if (!node.agent) throw new Error(`${t.name}: the agent exited; its stderr:\n${stderr.slice(-3000)}`);
            const s = node.status();
            const fresh = s !== undefined && Date.parse(s.at) >= node.agent.startedAt;
            return fresh && s.ok && JSON.stringify([...s.peers].sort()) === JSON.stringify(want()) ? s : undefined;
          },
          timeoutMs,
        );
      },
      audit: () => {
        const file = join(dir, "audit.jsonl");
        if (!existsSync(file)) return [];
        return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
      },
      conflist: () => {
        if (!existsSync(conflistPath)) return undefined;
        return JSON.parse(readFileSync(conflistPath, "utf8")) as JsonObject;
      },
      podSubnet: () => {
        const c = node.conflist();
        const s = c && subnetOf(c);
        if (!s) throw new Error(`${t.name}: no IPv4 subnet in its conflist ${conflistPath}: ${JSON.stringify(c)}`);
        return s;
      },
    };
    return node;
  });

  const runnerOf = (node: ClusterNode): ConflistRunner =>
    createConflistRunner({ path: [CNI_BIN], cacheDir, inNetns: node.ns.name, env: { WASM_CNI_PRESTART_DIR: "off", WASM_CNI_AUDIT_LOG: join(node.dir, "audit.jsonl") } });

  // A test process that ends without destroy() (a crash, a timeout) must not leave etcd, agents
  // or echo servers running in the sandbox: kill them on the way out.
  const killAll = (): void => {
    for (const p of pods) p.echo?.kill("SIGKILL");
    for (const n of nodes) n.agent?.child.kill("SIGKILL");
    try {
      process.kill(etcd.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.once("exit", killAll);

  const cluster: Cluster = {
    topo, etcd, nodes, pods, network: opts.network,
    startAgents: async (timeoutMs = 30_000) => {
      for (const n of nodes) if (!n.agent) n.startAgent();
      await Promise.all(nodes.map((n) => n.waitConverged(nodes.filter((o) => o !== n).map((o) => o.name), timeoutMs)));
    },
    addPod: (node, name) => {
      const text = readFileSync(node.conflistPath, "utf8");
      const ns = createNetns(`pod-${name}`);
      const containerId = `${id}-${name}`;
      try {
        const result = runnerOf(node).add(parseConflist(text), { containerId, ifname: "eth0", netns: ns.path });
        const ips = (result["ips"] ?? []) as { address: string }[];
        const ip = ips.map((a) => a.address.split("/")[0]!).find((a) => !a.includes(":"));
        if (!ip) throw new Error(`pod ${name} on ${node.name} got no IPv4 address: ${JSON.stringify(result)}`);
        const pod: Pod = { name, ns, node, containerId, ip, result, echo: startEchoServer(ns) };
        pods.push(pod);
        return pod;
      } catch (e) {
        ns.remove();
        throw e;
      }
    },
    delPod: (pod) => {
      pod.echo?.kill("SIGKILL");
      runnerOf(pod.node).del(parseConflist(readFileSync(pod.node.conflistPath, "utf8")), { containerId: pod.containerId, ifname: "eth0", netns: pod.ns.path });
      pod.ns.remove();
      pods.splice(pods.indexOf(pod), 1);
    },
    destroy: async () => {
      for (const p of pods.splice(0)) {
        p.echo?.kill("SIGKILL");
        p.ns.remove();
      }
      await Promise.all(nodes.map((n) => (n.agent ? stopWith(n, "SIGKILL") : undefined)));
      await etcd.stop();
      process.off("exit", killAll);
      topo.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

async function stopWith(node: ClusterNode, signal: NodeJS.Signals): Promise<void> {
  const agent = node.agent;
  if (!agent) return;
  agent.child.kill(signal);
  const r = await Promise.race([agent.exited, sleep(10_000).then(() => undefined)]);
  if (!r) {
    agent.child.kill("SIGKILL");
    await agent.exited;
  }
}

/** Every pair of distinct pods, for all-to-all checks. */
export function pairs<T>(xs: T[]): [T, T][] {
  return xs.flatMap((a) => xs.filter((b) => b !== a).map((b): [T, T] => [a, b]));
}

// ---------------------------------------------------------------------------------------------
// Kernel state of a node, as the tests compare it.

/** Every pod pings and exchanges a TCP line with every other; returns what failed ([] = all good). */
export function allToAll(pods: Pod[], opts: { tcp?: boolean } = {}): string[] {
  const failures: string[] = [];
  for (const [a, b] of pairs(pods)) {
    const what = `${a.name} (${a.node.name}) -> ${b.name} (${b.node.name}, ${b.ip})`;
    if (!ping(a.ns, b.ip)) failures.push(`${what}: no ping reply`);
    else if (opts.tcp !== false) {
      const line = `hello ${b.name} from ${a.name}\n`;
      const back = tcpExchange(a.ns, b.ip, line);
      if (back !== line) failures.push(`${what}: TCP echo returned ${JSON.stringify(back)}`);
    }
  }
  return failures;
}

export interface VxlanDevice {
  ifname: string;
  /** Its MAC: the node's VTEP MAC. */
  address: string;
  mtu: number;
  vni: number;
  port: number;
  local?: string;
  learning: boolean;
}

export function vxlanDevices(ns: TestNetns): VxlanDevice[] {
  type Row = { ifname: string; address: string; mtu: number; linkinfo?: { info_data?: { id: number; port: number; local?: string; learning?: boolean } } };
  const rows = JSON.parse(sh("ip", ["-n", ns.name, "-j", "-d", "link", "show", "type", "vxlan"]).trim() || "[]") as Row[];
  return rows.map((r) => ({
    ifname: r.ifname, address: r.address, mtu: r.mtu,
    vni: r.linkinfo?.info_data?.id ?? -1, port: r.linkinfo?.info_data?.port ?? -1,
    ...(r.linkinfo?.info_data?.local !== undefined && { local: r.linkinfo.info_data.local }),
    learning: r.linkinfo?.info_data?.learning ?? false,
  }));
}

export interface RouteRow {
  dst: string;
  gateway?: string;
  dev?: string;
  flags: string[];
  protocol?: string;
  scope?: string;
}

/** The main table's IPv4 routes. */
export function routes(ns: TestNetns): RouteRow[] {
  return JSON.parse(sh("ip", ["-n", ns.name, "-j", "-4", "route", "show", "table", "main"]).trim() || "[]") as RouteRow[];
}

export interface NeighRow {
  dst: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

export function neighbours(ns: TestNetns, dev?: string): NeighRow[] {
  return JSON.parse(sh("ip", ["-n", ns.name, "-j", "neigh", "show", ...(dev ? ["dev", dev] : [])]).trim() || "[]") as NeighRow[];
}

export interface FdbRow {
  mac: string;
  dst?: string;
  ifname?: string;
  flags?: string[];
  state?: string;
}

export function fdb(ns: TestNetns, dev: string): FdbRow[] {
  return JSON.parse(sh("bridge", ["-n", ns.name, "-j", "fdb", "show", "dev", dev]).trim() || "[]") as FdbRow[];
}

/**
 * A node's network state that a controller may change, for before/after comparisons: links
 * (name, kind, mtu, up), IPv4 addresses, main-table routes, neighbours and each vxlan's FDB.
 */
export function nodeSnapshot(ns: TestNetns): string {
  type Link = { ifname: string; mtu: number; flags: string[]; linkinfo?: { info_kind?: string }; addr_info?: { local: string; prefixlen: number }[] };
  const links = (JSON.parse(sh("ip", ["-n", ns.name, "-j", "-d", "addr", "show"])) as Link[]).map((l) => ({
    name: l.ifname, kind: l.linkinfo?.info_kind ?? "", mtu: l.mtu, up: l.flags.includes("UP"),
    addrs: (l.addr_info ?? []).filter((a) => !a.local.includes(":")).map((a) => `${a.local}/${a.prefixlen}`),
  }));
  const vx = vxlanDevices(ns).map((d) => ({ dev: d.ifname, fdb: fdb(ns, d.ifname).map((f) => `${f.mac} ${f.dst ?? ""}`).sort() }));
  const neigh = neighbours(ns).filter((n) => n.state?.includes("PERMANENT")).map((n) => `${n.dst} ${n.lladdr ?? ""} ${n.dev ?? ""}`).sort();
  const rt = routes(ns).map((r) => `${r.dst} ${r.gateway ?? ""} ${r.dev ?? ""} ${r.flags.join(",")}`).sort();
  return JSON.stringify({ links, routes: rt, neigh, vx }, null, 1);
}

/** Is the IPv4 CIDR `inner` (a.b.c.d/n) inside `outer`? */
export function inCidr(inner: string, outer: string): boolean {
  const parse = (c: string): [number, number] => {
    const [a, len = "32"] = c.split("/") as [string, string?];
    return [a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0), Number(len)];
  };
  const [i, il] = parse(inner);
  const [o, ol] = parse(outer);
  const block = 2 ** (32 - ol);
  return il >= ol && Math.floor(i / block) === Math.floor(o / block);
}
