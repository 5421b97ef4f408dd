/**
 * Crash safety of IPAM state (issue #5, part 7): concurrent bridge + host-local ADDs, DELs and
 * GCs through the binary on a /28 (13 addresses, so calls contend for the lock and the space
 * runs out), with SIGKILL at seeded random moments, round after round, in the test's own netns.
 *
 * What we guarantee, and check after every round (host/store/disk.ts, lock.ts):
 * - no address is handed out twice: the addresses of live containers (ADD exited 0, no DEL
 *   since) are distinct, and each one's reservation file names that container. The bucket's
 *   flock is held from open to close of the state, and the kernel drops it when a holder dies,
 *   so a killed call never leaves the network locked (no call fails with code 11 here);
 * - no reservation of a live container is lost, and no reservation file is ever partial: every
 *   value is written to a temporary file and renamed into place, so a reader sees the old file
 *   or the new one. A temporary file left by a killed writer is never read as a reservation and
 *   is removed by the next call that takes the lock (only a lock holder writes them);
 * - a call that fails cleanly (the range is full) holds nothing afterwards;
 * - a killed ADD or DEL may leave its container's reservation behind (the address was taken
 *   before the kill): it is released by the runtime's DEL of that container, which always
 *   succeeds, or by a GC whose cni.dev/valid-attachments omits it. After the last GC every
 *   free address can be taken again by a new ADD, and exactly those.
 * Not covered: power loss (no fsync, as host-local: a reservation written just before may be
 * lost or empty; an empty one is released by GC).
 *
 * FUZZ_SEED=<n> picks the operations and kill delays; a failure names the seed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HOST_BIN } from "../../helpers/fixtures";
import { createNetns, type TestNetns } from "../../helpers/netns";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { pick, seededRandom, type Rand } from "../../unit/cli/fuzz-inputs";

const SEED = Number(process.env["FUZZ_SEED"] ?? 0xc4a5);
const ROUNDS = 40;
const PER_ROUND = 6;
const KILL_CHANCE = 0.4;
/** host-local on 10.77.0.0/28: .1 is the gateway, .2-.14 are handed out. */
const CAPACITY = 13;
const NETWORK = "crashnet";

let host: TestNetns;
let ctrNs: TestNetns;
let pluginDir: string;
let bin: string;
let dataDir: string;
/** Calls that died of our SIGKILL (a kill that came after the exit does not count). */
let kills = 0;

beforeAll(async () => {
  pluginDir = await buildPluginsUnderTest(["bridge", "host-local"]);
  bin = join(mkdtempSync(join(tmpdir(), "wasm-cni-crash-bin-")), "bridge");
  symlinkSync(HOST_BIN, bin);
  host = createNetns("crh");
  ctrNs = createNetns("crc");
  dataDir = mkdtempSync(join(tmpdir(), "wasm-cni-crash-ipam-"));
}, 180_000);

afterAll(() => {
  host?.remove();
  ctrNs?.remove();
});

interface Container {
  id: string;
  /** Unique per container: all share one netns, so a killed ADD's leftover link is never in the way. */
  ifname: string;
  ip?: string;
}

interface Outcome {
  /** null when the process was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

function config(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    cniVersion: "1.1.0",
    name: NETWORK,
    type: "bridge",
    bridge: "crbr0",
    isGateway: true,
    ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.77.0.0/28" }]] },
    ...extra,
  });
}

/** Execs the binary in the host netns; kills it with SIGKILL after killAfterMs when given. */
function call(command: "ADD" | "DEL" | "GC", c: Container | undefined, stdin: string, killAfterMs?: number): Promise<Outcome> {
  const env: Record<string, string> = {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: command,
    CNI_PATH: join(bin, ".."),
    WASM_CNI_PLUGIN_DIR: pluginDir,
    ...(c && { CNI_CONTAINERID: c.id, CNI_IFNAME: c.ifname, CNI_NETNS: ctrNs.path }),
  };
  // `ip netns exec` execs the binary in place, so the pid we kill is the host's own.
  const child = spawn("ip", ["netns", "exec", host.name, bin], { env, stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  child.stdin.on("error", () => {}); // killed before it read its config
  child.stdin.end(stdin);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") kills++;
      resolve({ code: signal === "SIGKILL" ? null : code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** The bucket's files: reservations by address, and every other name. */
function reservations(): { byIp: Map<string, string>; other: string[] } {
  const dir = join(dataDir, NETWORK);
  const byIp = new Map<string, string>();
  const other: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // not created yet
  }
  for (const name of names) {
    if (/^10\.77\.0\.\d+$/.test(name)) byIp.set(name, readFileSync(join(dir, name), "utf8"));
    else other.push(name);
  }
  return { byIp, other };
}

const owner = (c: Container): string => `${c.id}\r\n${c.ifname}`;

class Model {
  readonly live = new Map<string, Container>();
  /** ADD or DEL killed: may hold an address until its DEL or a GC. */
  readonly limbo = new Map<string, Container>();
  /** ADD failed cleanly, or DEL succeeded: must hold nothing. */
  readonly gone = new Map<string, Container>();
  private serial = 0;

  fresh(): Container {
    const n = this.serial++;
    return { id: `crash-${SEED}-${n}`, ifname: `e${n}` };
  }
}

/** Every invariant that holds between rounds; returns what is broken. */
function problems(m: Model, round: string): string[] {
  const out: string[] = [];
  const { byIp, other } = reservations();
  const holders = new Map<string, string[]>();
  for (const [ip, value] of byIp) {
    if (!/^crash-\d+-\d+\r\ne\d+$/.test(value)) out.push(`${round}: reservation ${ip} is partial or foreign: ${JSON.stringify(value)}`);
    holders.set(value, [...(holders.get(value) ?? []), ip]);
  }
  for (const [value, ips] of holders) if (ips.length > 1) out.push(`${round}: ${JSON.stringify(value)} holds ${ips.join(", ")}`);
  const seen = new Map<string, string>();
  for (const c of m.live.values()) {
    if (c.ip === undefined) continue;
    const twice = seen.get(c.ip);
    if (twice !== undefined) out.push(`${round}: ${c.ip} handed to both ${twice} and ${c.id}`);
    seen.set(c.ip, c.id);
    if (byIp.get(c.ip) !== owner(c)) out.push(`${round}: live ${c.id} lost its reservation of ${c.ip} (file: ${JSON.stringify(byIp.get(c.ip))})`);
  }
  for (const c of m.gone.values()) if (holders.has(owner(c))) out.push(`${round}: ${c.id} (failed or deleted) still holds ${holders.get(owner(c))?.join(", ")}`);
  const unknown = other.filter((f) => f !== "lock" && !/^last_reserved_ip\.0$/.test(f) && !/\.tmp-\d+$/.test(f));
  if (unknown.length > 0) out.push(`${round}: unexpected files ${unknown.join(", ")}`);
  const last = other.includes("last_reserved_ip.0") ? readFileSync(join(dataDir, NETWORK, "last_reserved_ip.0"), "utf8") : undefined;
  if (last !== undefined && !/^10\.77\.0\.([2-9]|1[0-4])$/.test(last)) out.push(`${round}: last_reserved_ip.0 is ${JSON.stringify(last)}`);
  return out;
}

const resultIp = (stdout: string): string | undefined => {
  const r = JSON.parse(stdout) as { ips?: { address: string }[] };
  return r.ips?.[0]?.address.replace(/\/\d+$/, "");
};

/** How long an ADD takes when not killed here (a moving average; the first guess is from this machine). */
let typicalMs = 150;

/** One round: PER_ROUND concurrent calls, some killed; returns the unexpected failures. */
async function round(m: Model, rand: Rand, n: number): Promise<string[]> {
  const bad: string[] = [];
  // Kill somewhere in the middle of a typical call (node's start alone takes most of one).
  const killAt = (): number | undefined => (rand() < KILL_CHANCE ? Math.round(typicalMs * (0.3 + rand() * 0.9)) : undefined);
  // Planned first, so that a GC knows every ADD of its round (a runtime never lists less).
  const gcs: (number | undefined)[] = [];
  const adds: [Container, number | undefined][] = [];
  const dels: [Container, number | undefined][] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const what = rand();
    const limbo = [...m.limbo.values()];
    if (what < 0.06) gcs.push(killAt());
    else if (what < 0.2 && limbo.length > 0) {
      // The runtime's DEL after a call it saw die.
      const c = pick(rand, limbo);
      m.limbo.delete(c.id);
      dels.push([c, killAt()]);
    } else if (what < 0.55 && m.live.size > 4) {
      const c = pick(rand, [...m.live.values()]);
      m.live.delete(c.id);
      dels.push([c, killAt()]);
    } else adds.push([m.fresh(), killAt()]);
  }
  const valid = [...m.live.values(), ...adds.map(([c]) => c)].map((c) => ({ containerID: c.id, ifname: c.ifname }));
  const t0 = performance.now();
  const timed = <T>(p: Promise<T>, killed: number | undefined): Promise<T> =>
    killed === undefined ? p.then((v) => ((typicalMs = typicalMs * 0.8 + (performance.now() - t0) * 0.2), v)) : p;
  await Promise.all([
    ...gcs.map((kill) => call("GC", undefined, config({ "cni.dev/valid-attachments": valid }), kill).then((r) => {
      if (r.code !== null && r.code !== 0) bad.push(`round ${n}: GC failed: ${r.stdout}${r.stderr}`);
    })),
    ...dels.map(([c, kill]) => call("DEL", c, config(), kill).then((r) => settleDel(m, c, r, bad, n))),
    ...adds.map(([c, kill]) => timed(call("ADD", c, config(), kill), kill).then((r) => {
      if (r.code === null) m.limbo.set(c.id, c);
      else if (r.code === 0) m.live.set(c.id, { ...c, ip: resultIp(r.stdout) });
      else {
        m.gone.set(c.id, c);
        if (!r.stdout.includes("no IP addresses available")) bad.push(`round ${n}: ADD ${c.id} failed: ${r.stdout}${r.stderr}`);
      }
    })),
  ]);
  return bad;
}

function settleDel(m: Model, c: Container, r: Outcome, bad: string[], n: number): void {
  if (r.code === null) m.limbo.set(c.id, c);
  else if (r.code === 0) m.gone.set(c.id, c);
  else {
    m.limbo.set(c.id, c);
    bad.push(`round ${n}: DEL ${c.id} failed: ${r.stdout}${r.stderr}`);
  }
}

describe(`IPAM state under SIGKILL, seed ${SEED}`, () => {
  test(`${ROUNDS} rounds of ${PER_ROUND} concurrent ADD/DEL/GC calls, ${KILL_CHANCE * 100}% killed: no address twice, none lost, none stuck after GC`, async () => {
    const rand = seededRandom(SEED);
    const m = new Model();
    const failures: string[] = [];
    // Killed calls whose container still held an address after the round: the kills that matter.
    let leftBehind = 0;
    for (let n = 0; n < ROUNDS; n++) {
      const limboBefore = new Set(m.limbo.keys());
      failures.push(...(await round(m, rand, n)), ...problems(m, `seed ${SEED} round ${n}`));
      const held = new Set(reservations().byIp.values());
      leftBehind += [...m.limbo.values()].filter((c) => !limboBefore.has(c.id) && held.has(owner(c))).length;
    }
    expect(failures.slice(0, 8)).toEqual([]);

    // GC with the live containers: every address of a dead one is free again.
    const valid = [...m.live.values()].map((c) => ({ containerID: c.id, ifname: c.ifname }));
    const gc = await call("GC", undefined, config({ "cni.dev/valid-attachments": valid }));
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    for (const c of m.limbo.values()) m.gone.set(c.id, c);
    m.limbo.clear();
    expect(problems(m, `seed ${SEED} after GC`)).toEqual([]);
    const after = reservations();
    expect([...after.byIp.keys()].sort()).toEqual([...m.live.values()].map((c) => c.ip).sort());
    expect(after.other.filter((f) => f.includes(".tmp-")), "temporary files of killed writers are cleaned up").toEqual([]);

    // A new ADD can take each free address, and then the range is full.
    const taken = new Set([...m.live.values()].map((c) => c.ip));
    const free = CAPACITY - taken.size;
    for (let i = 0; i < free; i++) {
      const c = m.fresh();
      const r = await call("ADD", c, config());
      expect(r.code, `seed ${SEED}: ADD ${i + 1} of ${free} free: ${r.stdout}${r.stderr}`).toBe(0);
      const ip = resultIp(r.stdout);
      expect(ip && taken.has(ip), `seed ${SEED}: ${ip} handed out twice`).toBe(false);
      taken.add(ip ?? "");
      m.live.set(c.id, { ...c, ip });
    }
    const full = await call("ADD", m.fresh(), config());
    expect(full.code).toBe(1);
    expect(full.stdout).toContain("no IP addresses available");
    expect(problems(m, `seed ${SEED} refilled`)).toEqual([]);
    // ~40% of the calls die, and some after their address was taken (6-9 in 24 rounds here).
    expect(kills, "enough calls were killed to mean something").toBeGreaterThan(20);
    expect(leftBehind, "some kills came after the reservation was written").toBeGreaterThan(0);
  }, 150_000);
});
