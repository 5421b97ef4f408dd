// `npm start`: the main job on an embedded default. Inside a throwaway network namespace
// (test/sandbox.mjs), attach two containers to a bridge network through bin/wasm-cni exactly
// as a runtime would (exec a plugin binary from a plugin dir, CNI_* env, config on stdin),
// show they can talk, attach a third through the prestarted host (`wasm-cni serve`), delete
// them and show that nothing is left. Then two nodes (namespaces joined by an underlay bridge),
// each with its own `wasm-cni agent` over etcd and the overlay-controller, a pod on each, talking
// across the nodes through VXLAN (the cluster harness of the tests, test/helpers/cluster.ts).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { cniExec, type CniInvocation } from "../tools/cni-exec";
import { createCluster, ping as podPing, tcpExchange, vxlanCounters, vxlanDevices, type Cluster } from "../test/helpers/cluster";

// npm runs scripts from the package root (the script itself runs from a bundle in build/tools).
const ROOT = resolve(".");
const CNI_BIN = join(ROOT, "dist/cni-bin");
const DATA_DIR = "/var/lib/cni/networks"; // a tmpfs inside the sandbox

const NETWORK = {
  cniVersion: "1.1.0",
  name: "demo",
  type: "bridge",
  bridge: "demo0",
  isGateway: true,
  ipam: {
    type: "host-local",
    ranges: [[{ subnet: "10.88.0.0/24" }], [{ subnet: "fd88::/64" }]],
    routes: [{ dst: "0.0.0.0/0" }],
  },
};

const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
let failures = 0;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" }).trim();
}

function call(command: CniInvocation["command"], id: string, netns: string, plugin: string, config: object, env?: Record<string, string>): unknown {
  const r = cniExec({ binary: join(CNI_BIN, plugin), command, containerId: id, netns, ifname: plugin === "loopback" ? "lo" : "eth0", config, env: { WASM_CNI_PRESTART_DIR: "off", ...env } });
  const prestarted = /"prestarted":true/.test(r.stderr);
  const trace = r.stderr.split("\n").filter((l) => l.trim() && !l.startsWith('{"trace"')).join("\n");
  console.log(`  ${command} ${plugin} ${id}: exit ${r.code} in ${r.ms.toFixed(1)} ms${prestarted ? ", run by the pool of wasm-cni serve" : ""}${trace ? `\n${trace}` : ""}`);
  if (r.code !== 0) {
    failures++;
    console.log(`  ${r.stdout.trim()}`);
  }
  return r.json;
}

function check(what: string, ok: boolean): void {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

function ping(from: string, to: string): boolean {
  try {
    sh("ip", ["netns", "exec", from, "ping", "-c", "1", "-W", "2", to]);
    return true;
  } catch {
    return false;
  }
}

if (process.env.WASM_CNI_SANDBOX !== "1") {
  process.stderr.write("demo: run it with `npm start` (it runs inside its own network namespace)\n");
  process.exit(2);
}
if (!existsSync(join(CNI_BIN, "bridge"))) {
  process.stderr.write("demo: dist/cni-bin/bridge is missing; run `npm ci` (or `npm run build`) first\n");
  process.exit(2);
}

console.log(bold("wasm-cni demo: three containers on one bridge, through the host binary"));
console.log(`  plugin dir ${CNI_BIN} (symlinks to bin/wasm-cni); the demo runs in a throwaway netns\n`);

const containers = ["demo-a", "demo-b", "demo-c"];
for (const c of containers) sh("ip", ["netns", "add", c]);

console.log(bold("1. ADD: loopback, then the bridge network, for two containers"));
const addresses: Record<string, string[]> = {};
const results: Record<string, unknown> = {};
for (const c of containers.slice(0, 2)) {
  call("ADD", c, `/run/netns/${c}`, "loopback", { cniVersion: "1.1.0", name: "lo", type: "loopback" });
  const result = call("ADD", c, `/run/netns/${c}`, "bridge", NETWORK) as { ips?: { address: string }[] } | undefined;
  console.log(JSON.stringify(result, null, 2).replace(/^/gm, "    "));
  results[c] = result;
  addresses[c] = (result?.ips ?? []).map((ip) => ip.address.split("/")[0] ?? "");
}

console.log(bold("\n2. The containers can talk"));
const [a, b] = containers as [string, string];
const [a4, a6] = addresses[a] ?? [];
const [b4, b6] = addresses[b] ?? [];
check(`${a} -> ${b} over IPv4 (${b4})`, !!b4 && ping(a, b4));
check(`${b} -> ${a} over IPv4 (${a4})`, !!a4 && ping(b, a4));
check(`${a} -> ${b} over IPv6 (${b6})`, !!b6 && ping(a, b6));
check(`${a} -> the gateway 10.88.0.1`, ping(a, "10.88.0.1"));

console.log(bold("\n3. A third container through the prestarted host (wasm-cni serve)"));
// The same exec of bin/wasm-cni; a warm host process of the pool takes the call.
// Two host processes: one call needs one, and a node's default pool of 20 takes longer to warm.
const serve = spawn(join(ROOT, "bin/wasm-cni"), ["serve", "--spares", "2"], { stdio: ["ignore", "ignore", "inherit"] });
const spares = (): number => (existsSync("/run/wasm-cni") ? readdirSync("/run/wasm-cni").filter((n) => n.startsWith("ready-")).length : 0);
for (let waited = 0; spares() < 1 && waited < 20_000; waited += 50) sh("sleep", ["0.05"]);
check("wasm-cni serve has a warm host process ready in /run/wasm-cni", spares() >= 1);
const c = "demo-c";
call("ADD", c, `/run/netns/${c}`, "loopback", { cniVersion: "1.1.0", name: "lo", type: "loopback" }, { WASM_CNI_PRESTART_DIR: "/run/wasm-cni", WASM_CNI_TRACE: "1" });
const third = call("ADD", c, `/run/netns/${c}`, "bridge", NETWORK, { WASM_CNI_PRESTART_DIR: "/run/wasm-cni", WASM_CNI_TRACE: "1" }) as { ips?: { address: string }[] } | undefined;
results[c] = third;
const c4 = third?.ips?.[0]?.address.split("/")[0];
check(`${c} -> ${a} over IPv4 (${a4})`, !!a4 && ping(c, a4));
check(`${a} -> ${c} over IPv4 (${c4})`, !!c4 && ping(a, c4));
serve.kill("SIGTERM");

console.log(bold("\n4. CHECK, then DEL, as a runtime tears the containers down"));
// A runtime hands CHECK the cached ADD result as prevResult (libcni's result cache).
for (const c of containers) call("CHECK", c, `/run/netns/${c}`, "bridge", { ...NETWORK, prevResult: results[c] });
for (const c of containers) {
  call("DEL", c, `/run/netns/${c}`, "bridge", NETWORK);
  call("DEL", c, `/run/netns/${c}`, "loopback", { cniVersion: "1.1.0", name: "lo", type: "loopback" });
}

console.log(bold("\n5. Nothing is left behind"));
const hostLinks = JSON.parse(sh("ip", ["-j", "link", "show"])) as { ifname: string }[];
check(`no veth left on the host (links: ${hostLinks.map((l) => l.ifname).join(", ")})`, !hostLinks.some((l) => l.ifname.startsWith("veth")));
for (const c of containers) {
  const links = JSON.parse(sh("ip", ["-n", c, "-j", "link", "show"])) as { ifname: string }[];
  check(`${c} holds only lo (${links.map((l) => l.ifname).join(", ")})`, links.length === 1 && links[0]?.ifname === "lo");
}
// host-local keeps one file per reserved address, named after it (plus its lock and last_reserved_ip.N).
const isAddress = (f: string): boolean => /^[0-9.]+$|:/.test(f);
const reservations = existsSync(join(DATA_DIR, "demo")) ? readdirSync(join(DATA_DIR, "demo")).filter(isAddress) : [];
check(`no IP reservation left in ${DATA_DIR}/demo (${reservations.join(", ") || "none"})`, reservations.length === 0);
console.log("  (the bridge demo0 stays, as with the reference plugin: other containers may use it)");

for (const c of containers) sh("ip", ["netns", "del", c]);

await twoNodes();

console.log(failures === 0 ? bold("\ndemo: all good") : bold(`\ndemo: ${failures} problem(s)`));
process.exitCode = failures === 0 ? 0 : 1;

/** Part two: two nodes, an overlay between them, a pod on each. */
async function twoNodes(): Promise<void> {
  console.log(bold("\n6. Two nodes: pods talk across them through the overlay (etcd, wasm-cni agent, overlay-controller)"));
  let cluster: Cluster | undefined;
  try {
    cluster = await createCluster({ network: "overlay", segments: [0, 0], leaseTtl: 5 });
    const [n1, n2] = cluster.nodes as [Cluster["nodes"][0], Cluster["nodes"][0]];
    console.log(`  underlay: a bridge in its own netns; ${n1.name} at ${n1.underlay}, ${n2.name} at ${n2.underlay} (eth0); etcd at ${cluster.etcd.endpoint}`);
    console.log(`  starting \`wasm-cni agent --config <file>\` in each node (network "overlay")`);
    await cluster.startAgents();
    for (const n of cluster.nodes) {
      const vx = vxlanDevices(n.ns)[0];
      const plugin = ((n.conflist()?.["plugins"] ?? []) as { type?: string; bridge?: string; mtu?: number }[])[0];
      console.log(`  ${n.name}: pod subnet ${n.podSubnet()}; its conflist: ${plugin?.type} ${plugin?.bridge}, mtu ${plugin?.mtu}; VTEP ${vx ? `${vx.ifname} ${vx.address} vni ${vx.vni} port ${vx.port}` : "missing"}`);
    }
    const p1 = cluster.addPod(n1, "pod-1");
    const p2 = cluster.addPod(n2, "pod-2");
    console.log(`  ADD through bin/wasm-cni with each agent's conflist: pod-1 on ${n1.name} ${p1.ip}, pod-2 on ${n2.name} ${p2.ip}`);
    const before = vxlanCounters(n1.ns).tx;
    check(`pod-1 (${n1.name}) -> pod-2 (${n2.name}) ping ${p2.ip}`, podPing(p1.ns, p2.ip));
    check(`pod-2 (${n2.name}) -> pod-1 (${n1.name}) ping ${p1.ip}`, podPing(p2.ns, p1.ip));
    const line = "hello across nodes\n";
    const back = tcpExchange(p1.ns, p2.ip, line);
    check(`TCP pod-1 -> pod-2:7777 sent ${JSON.stringify(line)}, got ${JSON.stringify(back)} back`, back === line);
    const sent = vxlanCounters(n1.ns).tx - before;
    check(`the traffic crossed as VXLAN: ${n1.name}'s vxlan device sent ${sent} packets`, sent > 0);
    cluster.delPod(p1);
    cluster.delPod(p2);
    for (const n of cluster.nodes) await n.stopAgent();
    console.log("  DEL both pods; stopped the agents (SIGTERM), then etcd; the nodes' namespaces go");
  } catch (e) {
    failures++;
    console.log(`  FAIL ${(e as Error).message}`);
  } finally {
    await cluster?.destroy();
  }
}
