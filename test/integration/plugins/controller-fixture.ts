// Shared by the controller suites: a node controller run once through the host binary
// (`wasm-cni reconcile --plugin <name> --view <file> --json`) inside a test-made node netns, with
// an audit log of its own, and the node's kernel state as `ip -j`/`bridge -j` show it.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AuditLine } from "../../../host/runtime/audit";
import { HOST_BIN } from "../../helpers/fixtures";
import { tempDir, writePolicy } from "../../helpers/hostile";
import { ip, ipJson, type TestNetns } from "../../helpers/netns";

export interface NodeSpec {
  name: string;
  subnets: string[];
  underlay: string;
  vtepMac?: string;
}

export interface ViewSpec {
  local: NodeSpec;
  peers: NodeSpec[];
  clusterCidrs?: string[];
  underlayLink?: string;
  underlayMtu?: number;
  options?: unknown;
}

export const CLUSTER = ["10.244.0.0/16", "fd44::/48"];

/** A cluster view (WIT cluster.view, as `wasm-cni reconcile --view` reads it); options as a JSON text. */
export function view(v: ViewSpec): Record<string, unknown> {
  const node = (n: NodeSpec) => ({ name: n.name, subnets: n.subnets, underlay: n.underlay, vtepMac: n.vtepMac ?? "" });
  return {
    local: node(v.local), peers: v.peers.map(node), clusterCidrs: v.clusterCidrs ?? CLUSTER, underlayLink: v.underlayLink ?? "ul0",
    underlayMtu: v.underlayMtu ?? 1500, options: typeof v.options === "string" ? v.options : JSON.stringify(v.options ?? {}),
  };
}

/** A policy file of the test's own with no entries: the controllers run with their built-in grants. */
export function controllerPolicy(): string {
  return writePolicy({});
}

export interface ReconcileOutcome {
  code: number;
  json: { ok: boolean; error?: { code: number; msg: string; details?: string } };
  stderr: string;
  audit(): AuditLine;
}

/** One reconcile of `plugin` with `v`, run inside `node`. */
export function reconcile(node: TestNetns, pluginDir: string, plugin: string, v: Record<string, unknown>, policy: string): ReconcileOutcome {
  const dir = tempDir("reconcile");
  const file = join(dir, "view.json");
  const log = join(dir, "audit.jsonl");
  writeFileSync(file, JSON.stringify(v));
  const r = spawnSync("ip", ["netns", "exec", node.name, HOST_BIN, "reconcile", "--plugin", plugin, "--view", file, "--json"], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: policy, WASM_CNI_AUDIT_LOG: log },
  });
  return {
    code: r.status ?? -1,
    json: JSON.parse(r.stdout || "{}") as ReconcileOutcome["json"],
    stderr: r.stderr,
    audit: () => JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!) as AuditLine,
  };
}

/** The host functions of a call that change something (everything but list, get and netns handles). */
export function changes(a: AuditLine): string[] {
  return a.calls.map((c) => c.fn).filter((fn) => !/\.(list|get|fdb)$|^netns\./.test(fn));
}

/** A node netns whose underlay link ul0 (a veth, its peer ul1 beside it) holds `cidr`. */
export function nodeWithUnderlay(netns: (p: string) => TestNetns, cidr: string): TestNetns {
  const n = netns("node");
  ip(n, "link", "add", "ul0", "type", "veth", "peer", "name", "ul1");
  ip(n, "link", "set", "ul0", "up");
  ip(n, "link", "set", "ul1", "up");
  ip(n, "addr", "add", cidr, "dev", "ul0", ...(cidr.includes(":") ? ["nodad"] : []));
  return n;
}

/**
 * Everything a controller could change on a node: links, global addresses, routes of every
 * table, permanent neighbours, the vxlan devices' FDB. (Link-local addresses, their local routes
 * and the veths' multicast FDB entries are the kernel's, and change on their own while DAD runs.)
 */
export function nodeState(n: TestNetns): Record<string, unknown> {
  const links = ipJson<Record<string, unknown>[]>(n, ["-d", "link", "show"]).map(({ ifindex: _i, ...rest }) => rest);
  const addrs = ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number; scope: string }[] }[]>(n, ["addr", "show"])
    .map((l) => [l.ifname, l.addr_info.filter((a) => a.scope !== "link").map((a) => `${a.local}/${a.prefixlen}`).sort()]);
  return {
    links,
    addrs,
    routes4: ipJson(n, ["-4", "route", "show", "table", "all"]),
    routes6: ipJson<{ dst: string }[]>(n, ["-6", "route", "show", "table", "all"]).filter((r) => !r.dst.startsWith("fe80:")),
    neigh: ipJson<{ state?: string[] }[]>(n, ["neigh", "show"]).filter((e) => e.state?.includes("PERMANENT")),
    fdb: fdb(n),
  };
}

export interface FdbEntry { mac: string; ifname: string; dst?: string; state?: string; flags?: string[] }

/** The FDB entries of the node's vxlan devices (`bridge -j fdb show`). */
export function fdb(n: TestNetns): FdbEntry[] {
  return (JSON.parse(n.exec("bridge", ["-j", "fdb", "show"]) || "[]") as FdbEntry[]).filter((e) => e.ifname.startsWith("wcni."));
}
