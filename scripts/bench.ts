// `npm run bench`: the same bridge + host-local network through the Go reference plugins
// (/usr/lib/cni, Debian's containernetworking-plugins) and through bin/wasm-cni, cold and with
// the prestarted host (`wasm-cni serve`), in one run, interleaved in random order per round,
// inside a throwaway netns (test/sandbox.mjs). Then podman's chain (the conflist of `podman
// network create`: bridge, portmap, firewall, tuning) run as libcni runs it, four execs per
// verb, with a port mapping, through both. Prints ADD/DEL medians, min/max, ours/reference
// ratios, peak RSS of one call, the phase breakdown of our calls and the host's overhead
// against the 10 ms budget. Usage: npm run bench [-- rounds]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { cniExec } from "../tools/cni-exec";
import { defaultSpares } from "../host/prestart/protocol";
import { type Conflist, createConflistRunner, parseConflist } from "../tools/conflist-runner";

// npm runs scripts from the package root (the script itself runs from a bundle in build/tools).
const ROOT = resolve(".");
const args = process.argv.slice(2);
const podsAt = args.indexOf("--pods");
const PODS = podsAt >= 0 ? Number(args[podsAt + 1]) : 0;
const ROUNDS = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== "--pods") ?? 30);
/** Calls started at once in a burst, and how many bursts per variant. */
const BURST = 20;
const BURST_ROUNDS = Math.max(3, Math.min(10, Math.round(ROUNDS / 3)));
const REF_DIR = "/usr/lib/cni";
const OUR_DIR = join(ROOT, "dist/cni-bin");
// A runtime does not set these; NODE_EXTRA_CA_CERTS alone adds ~40 ms to every node start.
delete process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_OPTIONS;
const CLEAN_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

interface Variant {
  label: string;
  dir: string;
  config: object;
  /** Extra environment of every call (which way wasm-cni runs it). */
  env?: Record<string, string>;
}

const network = (name: string, bridge: string, subnet: string) => ({
  cniVersion: "1.0.0",
  name,
  type: "bridge",
  bridge,
  isGateway: true,
  ipMasq: false,
  ipam: { type: "host-local", ranges: [[{ subnet }]], routes: [{ dst: "0.0.0.0/0" }] },
});

// The prestarted host's spares, where `wasm-cni serve` keeps them by default (the sandbox
// mounts a fresh /run/wasm-cni).
const SPARES_DIR = "/run/wasm-cni";
const VARIANTS: Variant[] = [
  { label: "reference (Go)", dir: REF_DIR, config: network("bench-ref", "benchref0", "10.99.0.0/16") },
  { label: "wasm-cni", dir: OUR_DIR, config: network("bench-wasm", "benchwasm0", "10.98.0.0/16"), env: { WASM_CNI_PRESTART_DIR: "off" } },
  { label: "wasm-cni prestarted", dir: OUR_DIR, config: network("bench-pre", "benchpre0", "10.97.0.0/16"), env: {} },
];

/** The conflist `podman network create` writes (podman 4.3, CNI backend), but for names and subnet. */
const podmanNetwork = (name: string, bridge: string, subnet: string): Conflist =>
  parseConflist({
    cniVersion: "0.4.0",
    name,
    plugins: [
      {
        type: "bridge", bridge, isGateway: true, ipMasq: true, hairpinMode: true,
        ipam: { type: "host-local", routes: [{ dst: "0.0.0.0/0" }], ranges: [[{ subnet, gateway: subnet.replace(/0\/\d+$/, "1") }]] },
        capabilities: { ips: true },
      },
      { type: "portmap", capabilities: { portMappings: true } },
      { type: "firewall", backend: "" },
      { type: "tuning" },
    ],
  });
const CHAIN = ["bridge", "portmap", "firewall", "tuning"];

interface ChainVariant {
  label: string;
  dir: string;
  list: Conflist;
  env?: Record<string, string>;
}
const CHAIN_VARIANTS: ChainVariant[] = [
  { label: "podman chain, reference (Go)", dir: REF_DIR, list: podmanNetwork("bench-chain-ref", "benchcref0", "10.96.0.0/24") },
  { label: "podman chain, wasm-cni", dir: OUR_DIR, list: podmanNetwork("bench-chain-wasm", "benchcwasm0", "10.95.0.0/24"), env: { WASM_CNI_PRESTART_DIR: "off" } },
  { label: "podman chain, wasm-cni prestarted", dir: OUR_DIR, list: podmanNetwork("bench-chain-pre", "benchcpre0", "10.94.0.0/24"), env: {} },
];

type Samples = Record<string, number[]>;
const samples: Samples = {};
const traces: Trace[] = [];
const add = (key: string, ms: number): void => void (samples[key] ??= []).push(ms);

interface Trace {
  trace: Record<string, number>;
  hostCalls: number;
  hostMs: number;
  prestarted: boolean;
}
/** How many of the prestarted variant's ADDs the pool took (the rest ran cold). */
const servedBySpare = { yes: 0, no: 0 };
/** Time inside host functions per variant's ADDs (the kernel and store work). */
const hostMsOf: Record<string, number[]> = {};

function timeCommand(cmd: string, args: string[]): number {
  const t0 = performance.now();
  spawnSync(cmd, args, { env: CLEAN_ENV, stdio: "ignore" });
  return performance.now() - t0;
}

let serial = 0;
function attachDetach(v: Variant): void {
  const id = `bench${serial++}`;
  execFileSync("ip", ["netns", "add", id]);
  try {
    const common = { binary: join(v.dir, "bridge"), containerId: id, netns: `/run/netns/${id}`, ifname: "eth0", path: v.dir, config: v.config };
    const traced = v.dir === OUR_DIR;
    const a = cniExec({ ...common, command: "ADD", env: { ...v.env, ...(traced && { WASM_CNI_TRACE: "1" }) } });
    if (a.code !== 0) throw new Error(`${v.label} ADD failed: ${a.stdout}${a.stderr}`);
    add(`${v.label} ADD`, a.ms);
    if (traced) {
      const line = a.stderr.split("\n").find((l) => l.startsWith('{"trace"'));
      const t = line ? (JSON.parse(line) as Trace) : undefined;
      if (t) traces.push(t);
      if (t) (hostMsOf[v.label] ??= []).push(t.hostMs);
      if (t && v.env?.WASM_CNI_PRESTART_DIR !== "off") servedBySpare[t.prestarted ? "yes" : "no"]++;
      if (t?.prestarted) {
        add(`${v.label} ADD, taken by the pool`, a.ms);
        (hostMsOf[`${v.label}, taken by the pool`] ??= []).push(t.hostMs);
      }
    }
    const d = cniExec({ ...common, command: "DEL", env: { ...v.env } });
    if (d.code !== 0) throw new Error(`${v.label} DEL failed: ${d.stdout}${d.stderr}`);
    add(`${v.label} DEL`, d.ms);
  } finally {
    execFileSync("ip", ["netns", "del", id]);
  }
}

/** One container through a whole chain, as libcni (tools/conflist-runner.ts): ADD in order, DEL in reverse. */
function attachDetachChain(v: ChainVariant): void {
  const id = `bench${serial++}`;
  execFileSync("ip", ["netns", "add", id]);
  try {
    const runner = createConflistRunner({ path: [v.dir], env: { ...v.env } });
    // What `podman run -p 8080:80` hands portmap.
    const att = { containerId: id, ifname: "eth0", netns: `/run/netns/${id}`, capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] } };
    let t0 = performance.now();
    runner.add(v.list, att);
    add(`${v.label} ADD`, performance.now() - t0);
    t0 = performance.now();
    runner.del(v.list, att);
    add(`${v.label} DEL`, performance.now() - t0);
  } finally {
    execFileSync("ip", ["netns", "del", id]);
  }
}

/** Peak RSS (KiB) of one ADD, from GNU time's %M. */
function peakRss(v: Variant): number | undefined {
  if (!existsSync("/usr/bin/time")) return undefined;
  const id = `rss${serial++}`;
  execFileSync("ip", ["netns", "add", id]);
  try {
    const env = { ...CLEAN_ENV, ...v.env, CNI_COMMAND: "ADD", CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${id}`, CNI_IFNAME: "eth0", CNI_PATH: v.dir };
    const r = spawnSync("/usr/bin/time", ["-f", "%M", join(v.dir, "bridge")], { env, input: JSON.stringify(v.config), encoding: "utf8" });
    const kib = Number(r.stderr.trim().split("\n").pop());
    spawnSync(join(v.dir, "bridge"), [], { env: { ...env, CNI_COMMAND: "DEL" }, input: JSON.stringify(v.config) });
    return Number.isFinite(kib) ? kib : undefined;
  } finally {
    execFileSync("ip", ["netns", "del", id]);
  }
}

/** One exec of `bridge` as a runtime makes it, without waiting: resolves with its exit code and output. */
function startCall(v: Variant, command: "ADD" | "DEL", id: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const env = { ...CLEAN_ENV, ...v.env, CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${id}`, CNI_IFNAME: "eth0", CNI_PATH: v.dir };
    const child = spawn(join(v.dir, "bridge"), [], { env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => void (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => void (out += d));
    child.on("close", (code) => done({ code, out }));
    child.stdin.end(JSON.stringify(v.config));
  });
}

/** BURST ADDs started at once on one network, then their BURST DELs at once: the wall time of each. */
async function burst(v: Variant): Promise<void> {
  const ids = Array.from({ length: BURST }, () => `burst${serial++}`);
  for (const id of ids) execFileSync("ip", ["netns", "add", id]);
  try {
    for (const verb of ["ADD", "DEL"] as const) {
      const t0 = performance.now();
      const rs = await Promise.all(ids.map((id) => startCall(v, verb, id)));
      add(`${v.label}, ${BURST} ${verb}s at once`, performance.now() - t0);
      const bad = rs.find((r) => r.code !== 0);
      if (bad) throw new Error(`${v.label} ${verb} in a burst failed: ${bad.out}`);
    }
  } finally {
    for (const id of ids) execFileSync("ip", ["netns", "del", id]);
  }
}

/** `--pods N`: N pods on one bridge per variant, added in turn; the ADDs at pods 1-10 and N-9..N. */
async function manyPods(variants: Variant[]): Promise<void> {
  const ids = variants.map(() => [] as string[]);
  const edge = 10;
  for (let i = 1; i <= PODS; i++) {
    for (const [k, v] of variants.entries()) {
      const id = `pod${k}x${i}`;
      execFileSync("ip", ["netns", "add", id]);
      ids[k]?.push(id);
      const measured = i <= edge || i > PODS - edge;
      const traced = measured && v.dir === OUR_DIR;
      const r = cniExec({ binary: join(v.dir, "bridge"), command: "ADD", containerId: id, netns: `/run/netns/${id}`, ifname: "eth0", path: v.dir, config: v.config, env: { ...v.env, ...(traced && { WASM_CNI_TRACE: "1" }) } });
      if (r.code !== 0) throw new Error(`${v.label} ADD of pod ${i} failed: ${r.stdout}${r.stderr}`);
      if (!measured) continue;
      const at = i <= edge ? `pod 1-${edge}` : `pod ${PODS - edge + 1}-${PODS}`;
      add(`${v.label} ADD at ${at}`, r.ms);
      const line = r.stderr.split("\n").find((l) => l.startsWith('{"trace"'));
      const t = line ? (JSON.parse(line) as Trace) : undefined;
      if (!t) continue;
      add(`${v.label} ADD at ${at}, outside host functions`, (t.trace.end ?? NaN) - (t.trace.main ?? NaN) - t.hostMs);
      // IPAM's whole part, store included: what grew with the reservations before the index.
      add(`${v.label} ADD at ${at}, host-local load→add done`, (t.trace["host-local: add done"] ?? NaN) - (t.trace["host-local: loaded"] ?? NaN));
    }
    if (i % 20 === 0) waitForSpares();
  }
  // Torn down 20 at a time, untimed.
  for (const [k, v] of variants.entries()) {
    const all = ids[k] ?? [];
    for (let i = 0; i < all.length; i += BURST) await Promise.all(all.slice(i, i + BURST).map((id) => startCall(v, "DEL", id)));
    for (const id of all) execFileSync("ip", ["netns", "del", id]);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "-");

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

if (process.env.WASM_CNI_SANDBOX !== "1") {
  process.stderr.write("bench: run it with `npm run bench` (it runs inside its own network namespace)\n");
  process.exit(2);
}
for (const v of VARIANTS) {
  if (!existsSync(join(v.dir, "bridge"))) {
    process.stderr.write(`bench: ${join(v.dir, "bridge")} is missing (.ci/run installs containernetworking-plugins; npm ci builds ours)\n`);
    process.exit(2);
  }
}

// A chain runs only where every plugin of it is installed: say which are missing, measure the rest.
const chainNotes: string[] = [];
const chains = CHAIN_VARIANTS.filter((v) => {
  const missing = CHAIN.filter((p) => !existsSync(join(v.dir, p)));
  if (missing.length > 0) chainNotes.push(`${v.label}: not measured, ${v.dir} has no ${missing.join(", ")}`);
  return missing.length === 0;
});
// Go's portmap and firewall program iptables: here iptables-nft, inside the sandbox's netns.
if (chains.some((v) => v.dir === REF_DIR) && spawnSync("iptables", ["-t", "nat", "-L", "-n"], { stdio: "ignore" }).status !== 0) {
  chainNotes.push("podman chain, reference (Go): not measured, `iptables -t nat -L` fails here (Go's portmap and firewall need iptables)");
  chains.splice(chains.findIndex((v) => v.dir === REF_DIR), 1);
}
for (const n of chainNotes) process.stdout.write(`bench: ${n}\n`);

const baselines: [string, () => number][] = [
  ["node -e 0", () => timeCommand(process.execPath, ["-e", "0"])],
  ["Go bridge VERSION (bare start)", () => timeCommand(join(REF_DIR, "bridge"), [])],
];

// The prestarted host, as an operator runs it (`wasm-cni serve`), with its spares in SPARES_DIR.
const SPARES = defaultSpares(); // serve's default
const supervisor = spawn(join(ROOT, "bin/wasm-cni"), ["serve"], { env: CLEAN_ENV, stdio: ["ignore", "ignore", "inherit"] });
supervisor.unref(); // stopped at the end; it must not keep this process alive
process.on("exit", () => supervisor.kill("SIGTERM"));
function waitForSpares(): void {
  for (let waited = 0; readdirSync(SPARES_DIR).filter((n) => n.startsWith("ready-")).length < SPARES; waited += 20) {
    if (waited > 10_000) throw new Error(`wasm-cni serve did not get ${SPARES} spares ready in 10 s`);
    execFileSync("sleep", ["0.02"]);
  }
}
waitForSpares();

process.stdout.write(`bench: ${ROUNDS} rounds (+2 warm-up), each variant in random order per round\n`);
for (let round = -2; round < ROUNDS; round++) {
  const jobs: (() => void)[] = [
    ...VARIANTS.map((v) => () => attachDetach(v)),
    ...chains.map((v) => () => attachDetachChain(v)),
    ...baselines.map(([label, run]) => () => add(label, run())),
  ];
  for (const job of shuffle(jobs)) {
    job();
    // A node's CNI calls come seconds apart, not back to back: spares taken by the last job
    // warm up before the next one, so that no measured call shares the CPU with a warm-up.
    waitForSpares();
  }
  if (round < 0) {
    for (const k of Object.keys(samples)) delete samples[k];
    traces.length = 0;
  }
}

process.stdout.write(`bench: ${BURST_ROUNDS} bursts of ${BURST} ADDs then ${BURST} DELs per variant, in random order\n`);
for (let round = -1; round < BURST_ROUNDS; round++) {
  for (const v of shuffle([...VARIANTS])) {
    await burst(v);
    waitForSpares();
  }
  if (round < 0) for (const k of Object.keys(samples).filter((k) => k.includes("at once"))) delete samples[k];
}

if (PODS > 0) {
  process.stdout.write(`bench: ${PODS} pods on one bridge per variant (Go, ours with serve), added in turn\n`);
  const fresh = (v: Variant, name: string, bridge: string, subnet: string): Variant => ({ ...v, label: `${v.label}, ${PODS} pods`, config: network(name, bridge, subnet) });
  await manyPods([fresh(VARIANTS[0]!, "bench-pods-ref", "benchpref0", "10.90.0.0/16"), fresh(VARIANTS[2]!, "bench-pods-pre", "benchppre0", "10.89.0.0/16")]);
}

const rows: string[][] = [["call", "median ms", "min", "max", "n"]];
for (const [key, xs] of Object.entries(samples)) rows.push([key, f1(median(xs)), f1(Math.min(...xs)), f1(Math.max(...xs)), String(xs.length)]);
const width = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
const line = (r: string[]): string => `| ${r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(" | ")} |`;
process.stdout.write(`\n${line(rows[0]!)}\n|${width.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|\n`);
for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);

const m = (k: string): number => median(samples[k] ?? []);
process.stdout.write("\nratio ours/reference (median):\n");
for (const verb of ["ADD", "DEL"]) {
  process.stdout.write(`  ${verb}: ${(m(`wasm-cni ${verb}`) / m(`reference (Go) ${verb}`)).toFixed(2)}x cold, ${(m(`wasm-cni prestarted ${verb}`) / m(`reference (Go) ${verb}`)).toFixed(2)}x prestarted\n`);
}

process.stdout.write(`\n${BURST} calls at once on one network, wall, ratio ours/reference (median):\n`);
for (const verb of ["ADD", "DEL"]) {
  const b = (label: string): number => m(`${label}, ${BURST} ${verb}s at once`);
  process.stdout.write(`  ${verb}: ${(b("wasm-cni") / b("reference (Go)")).toFixed(2)}x cold, ${(b("wasm-cni prestarted") / b("reference (Go)")).toFixed(2)}x with serve\n`);
}

process.stdout.write(`\npodman chain (${CHAIN.join(", ")}; ${CHAIN.length} execs per verb, as libcni), ratio ours/reference (median):\n`);
for (const verb of ["ADD", "DEL"]) {
  const ratio = (ours: string) => {
    const r = m(`${ours} ${verb}`) / m(`podman chain, reference (Go) ${verb}`);
    return Number.isFinite(r) ? `${r.toFixed(2)}x` : "n/a";
  };
  process.stdout.write(`  ${verb}: ${ratio("podman chain, wasm-cni")} cold, ${ratio("podman chain, wasm-cni prestarted")} prestarted\n`);
}
for (const n of chainNotes) process.stdout.write(`  ${n}\n`);

const rss = VARIANTS.map((v) => [v.label, peakRss(v)] as const);
process.stdout.write(`\npeak RSS of one ADD: ${rss.map(([l, k]) => `${l} ${k === undefined ? "n/a (no /usr/bin/time)" : `${(k / 1024).toFixed(1)} MiB`}`).join(", ")}\n`);

const traced = Object.entries({ cold: traces.filter((t) => !t.prestarted), prestarted: traces.filter((t) => t.prestarted) }).filter(([, ts]) => ts.length > 0);
if (traced.length > 0) {
  const at = (ts: Trace[], name: string): number => median(ts.map((t) => t.trace[name] ?? NaN));
  // Each row: a phase as the difference of two marks (a spare's marks count from its own start, so its "node start" is not shown).
  const rows: [string, (ts: Trace[]) => number][] = [
    ["node start → host main", (ts) => (ts[0]?.prestarted ? NaN : at(ts, "main"))],
    ["parse the call (env, stdin, zod)", (ts) => at(ts, "call parsed") - at(ts, "main")],
    ["compile core modules (wait)", (ts) => at(ts, "modules compiled") - at(ts, "call parsed")],
    ["load + check bridge (grant, pin)", (ts) => at(ts, "bridge: loaded") - at(ts, "modules compiled")],
    ["instantiate bridge", (ts) => at(ts, "bridge: instantiated") - at(ts, "bridge: loaded")],
    ["bridge add (incl. IPAM, kernel)", (ts) => at(ts, "bridge: add done") - at(ts, "bridge: instantiated")],
    ["  host-local load→add done", (ts) => at(ts, "host-local: add done") - at(ts, "host-local: loaded")],
    ["  host functions (kernel, store)", (ts) => median(ts.map((t) => t.hostMs))],
    ["result out", (ts) => at(ts, "end") - at(ts, "bridge: add done")],
  ];
  process.stdout.write(`\nphases of our ADD (median ms; WASM_CNI_TRACE=1)\n  ${"".padEnd(34)}${traced.map(([k]) => k.padStart(11)).join("")}\n`);
  for (const [label, f] of rows) process.stdout.write(`  ${label.padEnd(34)}${traced.map(([, ts]) => f1(f(ts)).padStart(11)).join("")}\n`);
  process.stdout.write(`  (${median(traces.map((t) => t.hostCalls))} host calls per ADD; serve's pool took ${servedBySpare.yes} of its ${servedBySpare.yes + servedBySpare.no} ADDs)\n`);
  // A cold call starts Node, so its overhead is counted on top of `node -e 0`; one the pool takes
  // starts only the exec shim (C), so all of its time but the host functions' is ours.
  process.stdout.write("\nhost overhead, the time ours adds to the kernel work (budget 10 ms):\n");
  const cold = m("wasm-cni ADD") - m("node -e 0") - median(hostMsOf["wasm-cni"] ?? []);
  const pooled = m("wasm-cni prestarted ADD, taken by the pool") - median(hostMsOf["wasm-cni prestarted, taken by the pool"] ?? []);
  process.stdout.write(`  ${"wasm-cni, cold (on top of node -e 0)".padEnd(44)} ${f1(cold)} ms\n`);
  process.stdout.write(`  ${"wasm-cni, taken by serve's pool (all of it)".padEnd(44)} ${f1(pooled)} ms\n`);
}

