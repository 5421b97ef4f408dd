/**
 * Bad input, table-driven and seeded (issue #3, part 8): thousands of malformed configs and
 * environments (fuzz-cases.ts: wrong kinds per field, bad CIDRs and ranges, bad cniVersion,
 * truncated JSON, non-UTF-8 bytes, nesting past 128 levels, huge strings, stdin over 1 MiB,
 * missing/invalid CNI_* variables, unknown CNI_COMMAND, bad CNI_ARGS, CNI_NETNS that is no netns).
 *
 * Each case must: exit non-zero; print exactly one CNI error on stdout (one JSON object with
 * `cniVersion`, `code`, `msg` and at most `details`) whose code is of the case's class
 * (fuzz-cases.ts CODE_CLASS); print no stack trace on stdout or stderr; and change nothing:
 * `ip -j link/addr/route` of the test's own "host" and container netns and every file of the
 * IPAM data dir are compared before and after.
 *
 * Two layers, because one exec costs ~50-100 ms on this machine:
 * - in process (every generated case, ~3,900): host/cli/dispatch.ts `runCli` with the binary's
 *   own runner (host/runtime createRunner, the disk store, the native addon, the real bridge
 *   and host-local components), the worker's main thread moved into the test's host netns for
 *   the run. Covers the host's edge (env, stdin, JSON, schema, versions) and the plugins'
 *   config checks and the host's rollback, everything but the process.
 * - exec'd (~280: a seeded sample of every kind, plus every oversized or too deep stdin):
 *   bin/wasm-cni through symlinks named bridge and host-local, in the host netns, as a runtime
 *   execs it. Covers what only a process has: stdin read from a pipe (over the cap, not UTF-8,
 *   empty), the environment, the exit code, stdout and stderr as written.
 *
 * A failure names the seed and the case; FUZZ_SEED=<n> reruns with another seed.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../host/cli/dispatch";
import type { CniCall } from "../../host/cli/plugin-runner";
import { loadNative, type NativeApi } from "../../host/kernel/native";
import { createRunner } from "../../host/runtime/run-plugin";
import { createDiskStore } from "../../host/store/disk";
import { pollingLocker } from "../../host/store/lock";
import { HOST_BIN } from "../helpers/fixtures";
import { createNetns, ipJson, type TestNetns } from "../helpers/netns";
import { buildPluginsUnderTest } from "../helpers/plugin-under-test";
import { seededRandom } from "../unit/cli/fuzz-inputs";
import { CODE_CLASS, baseConfig, baseEnv, generateCases, type FuzzTarget, type GeneratedCase } from "./fuzz-cases";

const SEED = Number(process.env["FUZZ_SEED"] ?? 0x5eed);
/** Exec'd cases: a sample of the generated ones, enough for every kind, under ~30 s here. */
const EXEC_SAMPLE = 220;

let host: TestNetns;
let container: TestNetns;
let pluginDir: string;
let binDir: string;
let target: FuzzTarget;
let cases: GeneratedCase[];

beforeAll(async () => {
  pluginDir = await buildPluginsUnderTest(["bridge", "host-local"]);
  binDir = mkdtempSync(join(tmpdir(), "wasm-cni-fuzz-bin-"));
  for (const name of ["bridge", "host-local"]) symlinkSync(HOST_BIN, join(binDir, name));
  host = createNetns("fzh");
  container = createNetns("fzc");
  target = { containerNetns: container.path, dataDir: mkdtempSync(join(tmpdir(), "wasm-cni-fuzz-ipam-")), cniPath: binDir };
  cases = generateCases(SEED, target);
}, 180_000);

afterAll(() => {
  host?.remove();
  container?.remove();
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Everything a bad call could change: both netns' links, addresses and routes, and the IPAM files. */
function snapshot(): string {
  const lines: string[] = [];
  for (const [label, n] of [["host", host], ["container", container]] as const) {
    for (const args of [["link", "show"], ["addr", "show"], ["route", "show", "table", "all"], ["-6", "route", "show", "table", "all"]]) {
      for (const item of ipJson<unknown[]>(n, args)) lines.push(`${label} ${args.join(" ")}: ${JSON.stringify(item)}`);
    }
  }
  for (const [path, text] of Object.entries(files(target.dataDir))) lines.push(`file ${path}: ${JSON.stringify(text)}`);
  return lines.join("\n");
}

/** The lines only one snapshot has: what a case changed. */
function diff(before: string, after: string): string {
  const a = new Set(before.split("\n"));
  const b = new Set(after.split("\n"));
  return [...[...a].filter((l) => !b.has(l)).map((l) => `- ${l}`), ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`)].join("\n");
}

/** Every file below dir with its contents (a lock file counts: it means a bucket was opened). */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        out[`${p}/`] = "";
        walk(p);
      } else out[p] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

const STACK = /\n\s+at .*(\(|:\d+:\d+)|RangeError|TypeError|ReferenceError/;
const ERROR_KEYS = new Set(["cniVersion", "code", "msg", "details"]);

/** The first way an outcome breaks the contract, or undefined. */
function problemWith(c: GeneratedCase, r: Outcome): string | undefined {
  if (r.code === 0) return "exit code 0";
  let out: unknown;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    return "stdout is not one JSON value";
  }
  if (typeof out !== "object" || out === null || Array.isArray(out)) return "stdout is not a JSON object";
  const e = out as Record<string, unknown>;
  const extra = Object.keys(e).filter((k) => !ERROR_KEYS.has(k));
  if (extra.length > 0) return `unexpected keys ${extra.join(",")}`;
  if (typeof e["cniVersion"] !== "string" || typeof e["msg"] !== "string" || e["msg"] === "") return "no cniVersion or msg";
  const allowed = c.classes.flatMap((k): readonly number[] => CODE_CLASS[k]);
  if (!allowed.includes(e["code"] as number)) return `code ${String(e["code"])} (${String(e["msg"])}; ${String(e["details"] ?? "")}), expected one of ${allowed.join(",")}`;
  if (STACK.test(r.stdout)) return "a stack trace on stdout";
  if (STACK.test(r.stderr)) return `a stack trace on stderr: ${r.stderr.slice(0, 300)}`;
  return undefined;
}

function describeCase(i: number, c: GeneratedCase): string {
  return `seed ${SEED} case ${i} [${c.plugin}, ${c.env["CNI_COMMAND"]}] ${c.what.slice(0, 160)}`;
}

/** Runs cases, snapshotting every `every` cases; returns the failures (empty when all kept the contract). */
async function runAll(list: [number, GeneratedCase][], run: (c: GeneratedCase) => Promise<Outcome> | Outcome, every: number): Promise<string[]> {
  const failures: string[] = [];
  let before = snapshot();
  for (const [n, [i, c]] of list.entries()) {
    const r = await run(c);
    const why = problemWith(c, r);
    if (why !== undefined) failures.push(`${describeCase(i, c)}: ${why}`);
    if (n % every === every - 1 || n === list.length - 1) {
      const after = snapshot();
      if (after !== before) failures.push(`${describeCase(i, c)} or one of the ${every - 1} before it changed the state:\n${diff(before, after)}`);
      before = after;
    }
  }
  return failures;
}

describe(`bad input, seed ${SEED}`, () => {
  test("thousands of malformed calls in process (runCli with the binary's runner and plugins) each fail with one error JSON of their class and change nothing", async () => {
    expect(cases.length).toBeGreaterThan(2500);
    const native = loadNative();
    const runner = createRunner({
      pluginDir,
      native: () => native,
      store: createDiskStore(pollingLocker((fd) => native.flock(fd, "ex", false), 4_000)),
      policy: () => ({}),
      log: () => {},
      mark: () => {},
    });
    // Counts the calls that got past the host's edge to a plugin: the layer must reach them.
    let reachedPlugin = 0;
    const counting = { run: (call: CniCall) => (reachedPlugin++, runner.run(call)) };
    const inProcess = async (c: GeneratedCase): Promise<Outcome> => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli({ argv0: join(binDir, c.plugin), env: c.env, stdin: () => c.stdin, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) }, counting);
      runner.records.length = 0;
      return { code, stdout: out.join(""), stderr: err.join("") };
    };
    const failures = await inHostNetns(native, host.path, () => runAll([...cases.entries()], inProcess, 200));
    expect(failures.slice(0, 8)).toEqual([]);
    expect(reachedPlugin).toBeGreaterThan(600); // ~830 for three seeds tried: the rest fail at the edge
  }, 120_000);

  test(`a seeded sample of ${EXEC_SAMPLE} malformed calls and every oversized or too deep stdin, exec'd as a runtime does, each fail the same way and change nothing`, async () => {
    const rand = seededRandom(SEED ^ 0xe8ec);
    // Spread over the list (which is grouped by kind), then a random pick within each stride.
    const stride = cases.length / EXEC_SAMPLE;
    const sample: [number, GeneratedCase][] = [];
    for (let k = 0; k < EXEC_SAMPLE; k++) {
      const i = Math.floor(k * stride + rand() * stride);
      const c = cases[i];
      // An environment cannot carry NUL bytes: only the in-process layer sees those.
      if (c && !Object.values(c.env).some((v) => v?.includes("\u0000"))) sample.push([i, c]);
    }
    // Every oversized and deeply nested stdin: those are the cases a pipe and a process change.
    for (const [i, c] of cases.entries()) if (/bytes on stdin|levels of nesting/.test(c.what) && !sample.some(([j]) => j === i)) sample.push([i, c]);
    const failures = await runAll(sample, execCase, 20);
    expect(failures.slice(0, 8)).toEqual([]);
  }, 150_000);

  test.each([
    ["unset", undefined],
    ["empty", ""],
  ])("with CNI_COMMAND %s the binary prints skel's about text on stderr, nothing on stdout, exits 0 and changes nothing", (_, command) => {
    const before = snapshot();
    const env = { ...baseEnv(target), CNI_COMMAND: command };
    const r = execCase({ what: "about", plugin: "bridge", env, stdin: Buffer.from(JSON.stringify(baseConfig(target))), classes: [] });
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toMatch(/^CNI bridge plugin .*\nCNI protocol versions supported: 0\.1\.0, .*1\.1\.0\n$/);
    expect(snapshot()).toBe(before);
  });

  test("the harness can see a change: the good config adds a bridge and a reservation, DEL releases it", async () => {
    const before = snapshot();
    const good = { what: "good", plugin: "bridge" as const, stdin: Buffer.from(JSON.stringify(baseConfig(target))), classes: [] };
    const add = execCase({ ...good, env: baseEnv(target, "ADD") });
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const during = snapshot();
    expect(during).not.toBe(before);
    expect(during).toContain("fz0");
    expect(during).toMatch(/10\.66\.0\.10"/);
    expect(execCase({ ...good, env: baseEnv(target, "DEL") }).code).toBe(0);
    expect(Object.keys(files(target.dataDir)).filter((f) => /10\.66\./.test(f))).toEqual([]);
  });
});

/** Runs fn with the calling thread in the netns at path: what the in-process host sees as "the host". */
async function inHostNetns<T>(native: NativeApi, path: string, fn: () => Promise<T>): Promise<T> {
  const saved = openSync("/proc/thread-self/ns/net", "r");
  const into = openSync(path, "r");
  try {
    native.setns(into);
    try {
      return await fn();
    } finally {
      native.setns(saved);
    }
  } finally {
    closeSync(into);
    closeSync(saved);
  }
}

/** One exec of the binary under the case's plugin name, inside the host netns, stdin from a pipe. */
function execCase(c: GeneratedCase): Outcome {
  const env: Record<string, string> = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", WASM_CNI_PLUGIN_DIR: pluginDir };
  for (const [k, v] of Object.entries(c.env)) if (v !== undefined) env[k] = v;
  const r = spawnSync("ip", ["netns", "exec", host.name, join(binDir, c.plugin)], { input: c.stdin, env, encoding: "utf8", timeout: 30_000, maxBuffer: 16 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
