// `npm run bench`: the same bridge + host-local network through the Go reference plugins
// (/usr/lib/cni, Debian's containernetworking-plugins) and through bin/wasm-cni, in one run,
// interleaved in random order per round, inside a throwaway netns (test/sandbox.mjs).
// Prints ADD/DEL medians, min/max, ours/reference ratios, peak RSS of one call and the phase
// breakdown of our calls. Usage: npm run bench [-- rounds]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { cniExec } from "../tools/cni-exec";

// npm runs scripts from the package root (the script itself runs from a bundle in build/tools).
const ROOT = resolve(".");
const ROUNDS = Number(process.argv[2] ?? 30);
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

const VARIANTS: Variant[] = [
  { label: "reference (Go)", dir: REF_DIR, config: network("bench-ref", "benchref0", "10.99.0.0/16") },
  { label: "wasm-cni", dir: OUR_DIR, config: network("bench-wasm", "benchwasm0", "10.98.0.0/16") },
];

type Samples = Record<string, number[]>;
const samples: Samples = {};
const traces: Trace[] = [];
const add = (key: string, ms: number): void => void (samples[key] ??= []).push(ms);

interface Trace {
  trace: Record<string, number>;
  hostCalls: number;
  hostMs: number;
}

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
    const a = cniExec({ ...common, command: "ADD", ...(traced && { env: { WASM_CNI_TRACE: "1" } }) });
    if (a.code !== 0) throw new Error(`${v.label} ADD failed: ${a.stdout}${a.stderr}`);
    add(`${v.label} ADD`, a.ms);
    if (traced) {
      const line = a.stderr.split("\n").find((l) => l.startsWith('{"trace"'));
      if (line) traces.push(JSON.parse(line) as Trace);
    }
    const d = cniExec({ ...common, command: "DEL" });
    if (d.code !== 0) throw new Error(`${v.label} DEL failed: ${d.stdout}${d.stderr}`);
    add(`${v.label} DEL`, d.ms);
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
    const env = { ...CLEAN_ENV, CNI_COMMAND: "ADD", CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${id}`, CNI_IFNAME: "eth0", CNI_PATH: v.dir };
    const r = spawnSync("/usr/bin/time", ["-f", "%M", join(v.dir, "bridge")], { env, input: JSON.stringify(v.config), encoding: "utf8" });
    const kib = Number(r.stderr.trim().split("\n").pop());
    spawnSync(join(v.dir, "bridge"), [], { env: { ...env, CNI_COMMAND: "DEL" }, input: JSON.stringify(v.config) });
    return Number.isFinite(kib) ? kib : undefined;
  } finally {
    execFileSync("ip", ["netns", "del", id]);
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

const baselines: [string, () => number][] = [
  ["node -e 0", () => timeCommand(process.execPath, ["-e", "0"])],
  ["Go bridge VERSION (bare start)", () => timeCommand(join(REF_DIR, "bridge"), [])],
];

process.stdout.write(`bench: ${ROUNDS} rounds (+2 warm-up), each variant in random order per round\n`);
for (let round = -2; round < ROUNDS; round++) {
  const jobs: (() => void)[] = [
    ...VARIANTS.map((v) => () => attachDetach(v)),
    ...baselines.map(([label, run]) => () => add(label, run())),
  ];
  for (const job of shuffle(jobs)) job();
  if (round < 0) {
    for (const k of Object.keys(samples)) delete samples[k];
    traces.length = 0;
  }
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
  process.stdout.write(`  ${verb}: ${(m(`wasm-cni ${verb}`) / m(`reference (Go) ${verb}`)).toFixed(2)}x\n`);
}

const rss = VARIANTS.map((v) => [v.label, peakRss(v)] as const);
process.stdout.write(`\npeak RSS of one ADD: ${rss.map(([l, k]) => `${l} ${k === undefined ? "n/a (no /usr/bin/time)" : `${(k / 1024).toFixed(1)} MiB`}`).join(", ")}\n`);

if (traces.length > 0) {
  const phase = (name: string): number => median(traces.map((t) => t.trace[name] ?? NaN));
  const hostMs = median(traces.map((t) => t.hostMs));
  const mainAt = phase("main");
  const parsed = phase("call parsed");
  const compiled = phase("modules compiled");
  const bridgeLoaded = phase("bridge: loaded");
  const bridgeInst = phase("bridge: instantiated");
  const ipamDone = phase("host-local: add done");
  const ipamLoaded = phase("host-local: loaded");
  const addDone = phase("bridge: add done");
  const end = phase("end");
  process.stdout.write("\nphases of our ADD (median ms since process start; WASM_CNI_TRACE=1):\n");
  process.stdout.write(`  node start → host main           ${f1(mainAt)}\n`);
  process.stdout.write(`  parse the call (env, stdin, zod) ${f1(parsed - mainAt)}\n`);
  process.stdout.write(`  compile core modules (wait)      ${f1(compiled - parsed)}\n`);
  process.stdout.write(`  load + check bridge (grant, pin) ${f1(bridgeLoaded - compiled)}\n`);
  process.stdout.write(`  instantiate bridge               ${f1(bridgeInst - bridgeLoaded)}\n`);
  process.stdout.write(`  bridge add (incl. IPAM, kernel)  ${f1(addDone - bridgeInst)}\n`);
  process.stdout.write(`    host-local load→add done       ${f1(ipamDone - ipamLoaded)}\n`);
  process.stdout.write(`    host functions (kernel, store) ${f1(hostMs)} in ${median(traces.map((t) => t.hostCalls))} calls\n`);
  process.stdout.write(`  result out                       ${f1(end - addDone)}\n`);
  const overhead = m("wasm-cni ADD") - m("node -e 0") - hostMs;
  process.stdout.write(`\nhost overhead on top of \`node -e 0\` and the kernel work: ${f1(overhead)} ms (budget 10 ms)\n`);
}
