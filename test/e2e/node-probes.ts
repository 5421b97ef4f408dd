// What the runtime e2e tests look at on the node (the netns a runtime's plugins run in): a
// remote host to reach a host port from, HTTP over busybox's wget, the firewall rules.
import { spawnSync } from "node:child_process";
import { createNetns, ip, type TestNetns } from "../helpers/netns";

/** The node's address on the uplink and the remote host's (TEST-NET-1). */
export const NODE_IP = "192.0.2.1";
export const REMOTE_IP = "192.0.2.2";

/**
 * Another host on the node's uplink: a netns joined to `node` by a veth ("uplink" on the node's
 * side, NODE_IP; "eth0" on the remote's, REMOTE_IP). The caller removes it.
 */
export function addRemoteHost(node: TestNetns): TestNetns {
  const remote = createNetns("rh");
  ip(node, "link", "add", "uplink", "type", "veth", "peer", "name", "eth0", "netns", remote.name);
  ip(node, "addr", "add", `${NODE_IP}/24`, "dev", "uplink");
  ip(node, "link", "set", "uplink", "up");
  ip(remote, "addr", "add", `${REMOTE_IP}/24`, "dev", "eth0");
  ip(remote, "link", "set", "eth0", "up");
  return remote;
}

/** `busybox wget` of `url` from inside `ns`, retried for up to 5 s (an httpd may still be starting). */
export async function fetchPage(ns: TestNetns, url: string): Promise<string> {
  let last = "";
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    // No `wget -T`: Debian's static busybox 1.35 crashes with it; spawnSync's timeout bounds it.
    const r = spawnSync("ip", ["netns", "exec", ns.name, "busybox", "wget", "-q", "-O", "-", url], { encoding: "utf8", timeout: 3_000 });
    if (r.status === 0) return r.stdout;
    last = `exit ${r.status}: ${r.stderr}`;
  }
  throw new Error(`wget ${url} from ${ns.name}: ${last}`);
}

/**
 * Every nftables rule of the netns, without handles and counters: after DEL the node's rules
 * must be as before (tables and base chains a plugin made may stay, as the Go plugins' do).
 */
export function nftRules(ns: TestNetns): unknown[] {
  const out = JSON.parse(ns.exec("nft", ["-j", "-s", "list", "ruleset"])) as { nftables: Array<{ rule?: Record<string, unknown> }> };
  return out.nftables.flatMap((o) => (o.rule ? [{ ...o.rule, handle: undefined }] : []));
}

/** One line of bin/wasm-cni's audit log (WASM_CNI_AUDIT_LOG), the fields the tests read. */
export interface AuditLine {
  plugin: string;
  verb: string;
  containerId: string;
  network: string;
  components: Record<string, string>;
  code: number;
  error?: string;
}
