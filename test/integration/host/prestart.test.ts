// The prestarted host (`wasm-cni serve`, host/prestart): a runtime execs bin/wasm-cni as
// always; a host process of the pool takes the call and the result, the exit code and the
// kernel state are those of a cold call. The same process takes call after call and no call
// leaves anything of itself in it. Calls the pool must not take (another netns, forwarding
// off, no pool) run cold, and a host process that dies with a call leaves the runtime a CNI error.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cniExec, type CniInvocation, type CniOutcome } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { netnsPerTest } from "../../helpers/netns";
import { buildFixtures, buildPluginUnderTest } from "../../helpers/plugin-under-test";

const newNetns = netnsPerTest();
let pluginDir: string;
let binDir: string;
let dataDir: string;
let policy: string;
/** The pool directory of the one `serve` most tests share. */
let spares: string;
let server: ChildProcess;
let serverLog = "";
/** net.ipv4.ip_forward of the sandbox's netns before serve started, and once its pool had warmed up. */
const ipForward: string[] = [];
const readIpForward = (): string => readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();

function serve(dir: string, extra: string[] = []): ChildProcess {
  const child = spawn(HOST_BIN, ["serve", "--dir", dir, ...extra], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", WASM_CNI_PLUGIN_DIR: pluginDir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => void (serverLog += s));
  return child;
}

/** The pool's warm host processes, by their marks (`ready-<pid>`). */
const readyHosts = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => /^ready-\d+$/.test(n)) : []);
const pidOf = (mark: string | undefined): number => Number(/\d+/.exec(mark ?? "")?.[0]);
/** A process's open descriptors: number and what each is. */
const openFds = (pid: number): string[] =>
  readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [`${fd}=${readlinkSync(`/proc/${pid}/fd/${fd}`)}`];
    } catch {
      return [];
    }
  }).sort();

/** The nice value of each thread of a process (field 19 of /proc/PID/task/TID/stat). */
const threadNice = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      return [Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); ) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; serve said:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  pluginDir = await buildPluginUnderTest("bridge");
  await buildPluginUnderTest("host-local");
  await buildFixtures(["spin"]);
  binDir = mkdtempSync(join(tmpdir(), "wasm-cni-bin-"));
  for (const name of ["bridge", "spin"]) symlinkSync(HOST_BIN, join(binDir, name));
  dataDir = mkdtempSync(join(tmpdir(), "wasm-cni-prestart-"));
  policy = join(dataDir, "policy.json");
  writeFileSync(policy, JSON.stringify({ plugins: { spin: { interfaces: [], timeLimitMs: 20_000 } } }));
  spares = join(mkdtempSync(join(tmpdir(), "wasm-cni-spares-")), "run");
  ipForward.push(readIpForward());
  server = serve(spares, ["--spares", "2"]);
  await until("two host processes", () => readyHosts(spares).length === 2, 60_000);
  ipForward.push(readIpForward());
}, 180_000);

afterAll(() => {
  server?.kill("SIGTERM");
});

const config = (name: string, bridge: string, subnet: string) => ({
  cniVersion: "1.1.0",
  name,
  type: "bridge",
  bridge,
  isGateway: true,
  ipam: { type: "host-local", dataDir, ranges: [[{ subnet }]] },
});

/** One call through the binary as a runtime makes it, traced so that we know who ran it. */
function call(inv: Partial<CniInvocation>, forward: string = spares): CniOutcome & { prestarted: boolean | undefined } {
  const r = cniExec({
    binary: join(binDir, "bridge"),
    command: "ADD",
    ifname: "eth0",
    config: {},
    ...inv,
    env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: forward, WASM_CNI_TRACE: "1", ...inv.env },
  });
  const line = r.stderr.split("\n").find((l) => l.startsWith('{"trace"'));
  return { ...r, prestarted: line === undefined ? undefined : (JSON.parse(line) as { prestarted: boolean }).prestarted };
}

/** The sandbox's own netns, where the pool lives and this file's calls have their host side. */
const hostLinks = (): string[] => (JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as { ifname: string }[]).map((l) => l.ifname);

/** What a result says, without what differs between two calls (names, MACs, addresses). */
const shape = (json: unknown): string =>
  JSON.stringify(json)
    .replace(/"mac":"[0-9a-f:]+"/g, '"mac":"M"')
    .replace(/veth[0-9a-f]{8}/g, "vethX")
    .replace(/10\.6[0-9]\.0\.\d+/g, "IP")
    .replace(/"sandbox":"[^"]*"/g, '"sandbox":"S"');

describe("wasm-cni serve", () => {
  it("the pool takes ADD, CHECK and DEL; result, exit code and kernel state are those of a cold call", async () => {
    const [a, b] = [newNetns("pre"), newNetns("cold")];
    const net = config("prenet", "pre0", "10.61.0.0/24");
    const warm = call({ containerId: "a", netns: a.path, config: net });
    const cold = call({ containerId: "b", netns: b.path, config: net }, "off");
    expect(warm.code, warm.stdout + warm.stderr).toBe(0);
    expect(cold.code, cold.stdout + cold.stderr).toBe(0);
    expect([warm.prestarted, cold.prestarted]).toEqual([true, false]);
    expect(shape(warm.json)).toBe(shape(cold.json));
    for (const ns of [a, b]) expect(ns.exec("ip", ["-4", "-br", "addr", "show", "eth0"])).toMatch(/10\.61\.0\.\d+\/24/);
    expect(a.exec("ping", ["-c1", "-W2", "10.61.0.1"])).toMatch(/1 received/);

    const check = call({ command: "CHECK", containerId: "a", netns: a.path, config: { ...net, prevResult: warm.json } });
    expect([check.code, check.stdout, check.prestarted]).toEqual([0, "", true]);

    const del = call({ command: "DEL", containerId: "a", netns: a.path, config: net });
    expect([del.code, del.prestarted]).toEqual([0, true]);
    expect(() => a.exec("ip", ["link", "show", "eth0"])).toThrow();
    expect(call({ command: "DEL", containerId: "b", netns: b.path, config: net }, "off").code).toBe(0);
    expect(readdirSync(join(dataDir, "prenet")).filter((f) => /^10\./.test(f))).toEqual([]);
  });

  it("a bad call gets the same CNI error and exit code from the pool as from a cold call, and changes nothing", async () => {
    const before = hostLinks();
    const bad = { ...config("badnet", "bad0", "10.62.0.0/24"), mtu: "big" };
    const warm = call({ containerId: "x", netns: "/run/netns/none", config: bad });
    const cold = call({ containerId: "x", netns: "/run/netns/none", config: bad }, "off");
    expect(warm.prestarted).toBe(true);
    expect([warm.code, warm.stdout]).toEqual([cold.code, cold.stdout]);
    expect(warm.json).toMatchObject({ code: 7 });
    expect(hostLinks()).toEqual(before);
  });

  it("the pool runs the call with the caller's environment: its policy file and audit log", async () => {
    const denying = join(dataDir, "deny.json");
    writeFileSync(denying, JSON.stringify({ plugins: { bridge: { interfaces: [] } } }));
    const audit = join(dataDir, "audit.log");
    const r = call({ containerId: "y", netns: newNetns("env").path, config: config("envnet", "env0", "10.63.0.0/24"), env: { WASM_CNI_POLICY: denying, WASM_CNI_AUDIT_LOG: audit } });
    expect(r.prestarted).toBe(true);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/plugin "bridge" imports .*which its grant does not allow/) });
    expect(readFileSync(audit, "utf8")).toMatch(/"containerId":"y"/);
  });

  it("a call from another network and mount namespace is refused by the pool and runs cold, in the caller's netns", async () => {
    const [host, ctr] = [newNetns("other"), newNetns("ctr")];
    const before = readyHosts(spares);
    const r = call({ containerId: "z", netns: ctr.path, config: config("othernet", "other0", "10.64.0.0/24"), inNetns: host.name });
    expect([r.code, r.prestarted]).toEqual([0, false]);
    expect(host.exec("ip", ["-br", "link", "show", "other0"])).toMatch(/other0/);
    expect(hostLinks()).not.toContain("other0");
    expect(readyHosts(spares)).toEqual(before); // the process that refused is still in the pool
  });

  it("an environment too large to hand over (300 KB) runs cold, and the pool is as it was", async () => {
    const before = readyHosts(spares);
    const big = Object.fromEntries([1, 2, 3].map((i) => [`BIG_${i}`, "x".repeat(100_000)]));
    const ns = newNetns("big");
    const net = config("bignet", "big0", "10.68.0.0/24");
    expect(call({ containerId: "g", netns: ns.path, config: net, env: big })).toMatchObject({ code: 0, prestarted: false });
    expect(readyHosts(spares)).toEqual(before);
    expect(call({ command: "DEL", containerId: "g", netns: ns.path, config: net }, "off").code).toBe(0);
  });

  it("with forwarding off, or no pool in the directory, the call runs cold", () => {
    const empty = mkdtempSync(join(tmpdir(), "wasm-cni-no-spares-"));
    const net = config("coldnet", "cold0", "10.65.0.0/24");
    for (const [id, forward] of [["c1", "off"], ["c2", empty], ["c3", join(empty, "missing")]] as const) {
      const ns = newNetns(id);
      const r = call({ containerId: id, netns: ns.path, config: net }, forward);
      expect([r.code, r.prestarted]).toEqual([0, false]);
      expect(call({ command: "DEL", containerId: id, netns: ns.path, config: net }, forward).code).toBe(0);
    }
  });

  it("the same host processes take call after call, and a call leaves nothing of itself in them: not its environment, not a descriptor", async () => {
    const hosts = readyHosts(spares);
    expect(hosts).toHaveLength(2);
    const fdsBefore = hosts.map((m) => openFds(pidOf(m)));
    const audit = join(dataDir, "reuse-audit.log");
    const net = config("reusenet", "reuse0", "10.66.0.0/24");
    const namespaces = [1, 2, 3, 4].map((i) => newNetns(`reuse${i}`));
    // The first call sets an audit log; the next ones do not and must not write to it.
    const first = call({ containerId: "r1", netns: namespaces[0]?.path, config: net, env: { WASM_CNI_AUDIT_LOG: audit } });
    expect([first.code, first.prestarted]).toEqual([0, true]);
    for (const [i, ns] of namespaces.slice(1).entries()) {
      expect(call({ containerId: `r${i + 2}`, netns: ns.path, config: net })).toMatchObject({ code: 0, prestarted: true });
    }
    for (const [i, ns] of namespaces.entries()) expect(call({ command: "DEL", containerId: `r${i + 1}`, netns: ns.path, config: net }).prestarted).toBe(true);
    expect(readFileSync(audit, "utf8").trim().split("\n")).toHaveLength(1);
    expect(readyHosts(spares)).toEqual(hosts); // no process left the pool
    // The client has its exit code a moment before its process closed the connection.
    const same = (): boolean => JSON.stringify(hosts.map((m) => openFds(pidOf(m)))) === JSON.stringify(fdsBefore);
    await until("the pool's descriptors to be those before the calls", same, 2_000);
    expect(serverLog).not.toMatch(/leaves the pool/);
  });

  it("the warm-up leaves nothing behind: no link, no namespace, no IPAM state, no sysctl change", () => {
    // Each host process ran bridge + host-local ADD, CHECK and DEL with isGateway in namespaces of its own.
    expect(hostLinks().filter((l) => l.startsWith("warmup"))).toEqual([]);
    expect(ipForward).toEqual(["0", "0"]);
    expect(readdirSync(spares).filter((n) => n.startsWith("warm-up-"))).toEqual([]);
    expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).not.toMatch(/warm/);
  });

  it("a call runs at its client's nice value in every thread of the host process, which then waits at 0 again", async () => {
    await until("two host processes", () => readyHosts(spares).length === 2);
    const before = readyHosts(spares);
    const shortSpin = join(dataDir, "short-spin.json");
    writeFileSync(shortSpin, JSON.stringify({ plugins: { spin: { interfaces: [], timeLimitMs: 1_500 } } }));
    const child = spawn("nice", ["-n", "7", join(binDir, "spin")], {
      env: { PATH: "/usr/bin:/bin", CNI_COMMAND: "ADD", CNI_CONTAINERID: "n", CNI_NETNS: "/run/netns/none", CNI_IFNAME: "eth0", CNI_PATH: binDir, WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: shortSpin, WASM_CNI_PRESTART_DIR: spares },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin?.end(JSON.stringify({ cniVersion: "1.1.0", name: "spinnet", type: "spin" }));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const busy = (m: string): boolean => !readlinkSync(`/proc/${pidOf(m)}/fd/1`).startsWith("/dev/null");
    await until("a host process to take the call", () => before.some(busy));
    const pid = pidOf(before.find(busy));
    expect(new Set(threadNice(pid))).toEqual(new Set([7]));
    expect(await exited).toBe(1); // stopped at its time limit
    await until("the host process to be free again", () => !before.some(busy), 5_000);
    expect(new Set(threadNice(pid))).toEqual(new Set([0]));
    expect(readyHosts(spares)).toEqual(before);
  });

  it("a host process killed during a call leaves the runtime CNI error 999, not silence, and is replaced", async () => {
    await until("two host processes", () => readyHosts(spares).length === 2);
    const before = readyHosts(spares);
    const inv: CniInvocation = {
      binary: join(binDir, "spin"), command: "ADD", containerId: "k", netns: "/run/netns/none", ifname: "eth0",
      config: { cniVersion: "1.1.0", name: "spinnet", type: "spin" },
      env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: policy, WASM_CNI_PRESTART_DIR: spares },
    };
    const child = spawn(inv.binary, [], {
      env: { PATH: "/usr/bin:/bin", CNI_COMMAND: "ADD", CNI_CONTAINERID: "k", CNI_NETNS: "/run/netns/none", CNI_IFNAME: "eth0", CNI_PATH: binDir, ...inv.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin?.end(JSON.stringify(inv.config));
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (s: string) => void (stdout += s));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    // The process that took it spins in the plugin: its stdout is no longer /dev/null.
    const busy = (m: string): boolean => !readlinkSync(`/proc/${pidOf(m)}/fd/1`).startsWith("/dev/null");
    await until("a host process to take the call", () => before.some(busy));
    const taken = before.find(busy);
    process.kill(pidOf(taken), "SIGKILL");
    expect(await exited).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ code: 999, msg: expect.stringMatching(/prestarted host .* ended before it finished the call/) });
    await until("its replacement", () => readyHosts(spares).length === 2 && !readyHosts(spares).includes(taken ?? ""), 60_000);
  }, 60_000);
});

describe("wasm-cni serve, started and stopped", () => {
  it("refuses a directory others can enter, and a second serve on the same directory", async () => {
    const open = join(mkdtempSync(join(tmpdir(), "wasm-cni-open-")), "run");
    mkdirSync(open, { mode: 0o755 });
    execFileSync("chmod", ["0755", open]);
    const refused = serve(open);
    expect(await new Promise((r) => refused.on("exit", r))).toBe(1);
    expect(serverLog).toMatch(/nobody else can enter \(mode 0700\)/);

    const second = serve(spares);
    expect(await new Promise((r) => second.on("exit", r))).toBe(1);
    expect(serverLog).toMatch(/another wasm-cni serve is serving/);
  });

  it("SIGTERM removes the pool's socket, stops its processes, and calls then run cold", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "wasm-cni-stop-")), "run");
    const s = serve(dir, ["--spares", "1"]);
    await until("a host process", () => readyHosts(dir).length === 1, 60_000);
    const pid = pidOf(readyHosts(dir)[0]);
    s.kill("SIGTERM");
    expect(await new Promise((r) => s.on("exit", r))).toBe(0);
    expect(existsSync(dir)).toBe(false); // removed when empty: a cold call then looks for no pool
    await until("the host process to exit", () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z"));
    const ns = newNetns("after");
    const net = config("afternet", "after0", "10.67.0.0/24");
    expect(call({ containerId: "s", netns: ns.path, config: net }, dir)).toMatchObject({ code: 0, prestarted: false });
    expect(call({ command: "DEL", containerId: "s", netns: ns.path, config: net }, dir).code).toBe(0);
  }, 90_000);

  it("host processes of a supervisor killed with SIGKILL exit by themselves, and a new serve clears what they left", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "wasm-cni-orphans-")), "run");
    const s = serve(dir, ["--spares", "2"]);
    await until("two host processes", () => readyHosts(dir).length === 2, 60_000);
    const pids = readyHosts(dir).map(pidOf);
    s.kill("SIGKILL");
    const gone = (pid: number) => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z");
    await until("the orphaned host processes to exit", () => pids.every(gone), 5_000);
    expect(existsSync(join(dir, "host.sock"))).toBe(true); // left behind by the killed supervisor
    const next = serve(dir, ["--spares", "1"]);
    await until("the new host process", () => readyHosts(dir).length === 1 && !pids.some((p) => readyHosts(dir).includes(`ready-${p}`)), 60_000);
    next.kill("SIGTERM");
    expect(await new Promise((r) => next.on("exit", r))).toBe(0);
  }, 90_000);
});
