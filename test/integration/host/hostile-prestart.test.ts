// The prestart client (bin/wasm-cni with a spares' directory) hands root's whole call (its
// environment, config and stdio) to a spare: it must trust only a directory owned by its own
// user (root) that nobody else can enter (mode 0700, not a symlink) and only a spare whose
// process runs as that user (SO_PEERCRED). A fake spare (a small Python server) records what it
// gets; in each untrusted case it must get no request, and the call still succeeds, cold.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cniExec } from "../../../tools/cni-exec";
import { CNI_BIN } from "../../helpers/fixtures";
import { netnsPerTest } from "../../helpers/netns";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

const NOBODY = 65534;

/** Binds <path> as root, then (uid != 0) drops to uid before listen(): SO_PEERCRED then says uid. */
const FAKE_SPARE = `
import array, os, socket, sys
path, uid, log = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "a", buffering=1)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
if uid != 0:
    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)
s.listen(8)
log.write("listening\\n")
while True:
    c, _ = s.accept()
    log.write("connected\\n")
    c.send(b"ready")
    c.settimeout(2)
    try:
        msg, anc, _, _ = c.recvmsg(1 << 20, socket.CMSG_SPACE(3 * 4))
        log.write("request %d bytes: %s\\n" % (len(msg), msg[:200]))
        for _, _, data in anc:
            fds = array.array("i"); fds.frombytes(data[: len(data) - len(data) % 4])
            for fd in fds: os.close(fd)
    except Exception as e:
        log.write("no request: %s\\n" % e)
    c.close()
`;

const newNetns = netnsPerTest();
let pluginDir: string;
let work: string;
const fakes: ChildProcess[] = [];
afterEach(() => fakes.splice(0).forEach((f) => f.kill("SIGKILL")));

beforeAll(async () => {
  pluginDir = await buildPluginUnderTest("bridge");
  await buildPluginUnderTest("host-local");
  work = mkdtempSync(join(tmpdir(), "wasm-cni-prestart-trust-"));
  chmodSync(work, 0o755); // nobody must reach the fake spare's directory to be tested there
}, 120_000);

/** A spares' directory as serve makes it: owned by root, mode 0700. */
function sparesDir(): string {
  const dir = join(mkdtempSync(join(work, "d-")), "run");
  chmodSync(join(dir, ".."), 0o755);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** Starts a fake pool listening at <dir>/host.sock as `uid`; returns its log file. */
async function fakeSpare(dir: string, uid = 0): Promise<string> {
  const log = join(mkdtempSync(join(work, "log-")), "fake.log");
  const child = spawn("/usr/bin/python3", ["-c", FAKE_SPARE, join(dir, "host.sock"), String(uid), log], { stdio: "ignore" });
  fakes.push(child);
  for (const t0 = Date.now(); !(existsSync(log) && readFileSync(log, "utf8").includes("listening")); ) {
    if (Date.now() - t0 > 10_000) throw new Error("the fake spare did not start");
    await new Promise((r) => setTimeout(r, 20));
  }
  return log;
}

/** A cold-capable ADD through the binary with `dir` as its spares' directory, then its DEL (cold). */
function addAndDel(dir: string) {
  const [ns, host] = [newNetns("trust"), newNetns("trusthost")];
  const config = { cniVersion: "1.1.0", name: "trustnet", type: "bridge", bridge: "trust0", ipam: { type: "host-local", dataDir: join(work, "ipam"), ranges: [[{ subnet: "10.94.0.0/24" }]] } };
  // In a host netns of its own: the sandbox's netns is shared with other test files.
  const base = { binary: join(CNI_BIN, "bridge"), containerId: "t", netns: ns.path, ifname: "eth0", config, timeoutMs: 20_000, inNetns: host.name };
  const add = cniExec({ ...base, command: "ADD", env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: dir, WASM_CNI_TRACE: "1" } });
  const del = cniExec({ ...base, command: "DEL", env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: "off" } });
  const trace = add.stderr.split("\n").find((l) => l.startsWith('{"trace"'));
  return { add, del, prestarted: trace === undefined ? undefined : (JSON.parse(trace) as { prestarted: boolean }).prestarted };
}

const fakeLog = (log: string): string => readFileSync(log, "utf8");

describe("the prestart client trusts a spare only in a directory of its own and run by its own user", () => {
  it("a fake spare run by root in a root-owned 0700 directory is handed the call (the control case); it hangs up and the call runs cold", async () => {
    const dir = sparesDir();
    const log = await fakeSpare(dir);
    const r = addAndDel(dir);
    expect([r.add.code, r.del.code], r.add.stdout + r.add.stderr).toEqual([0, 0]);
    expect(r.prestarted).toBe(false);
    expect(fakeLog(log)).toMatch(/request \d+ bytes/);
  });

  const untrusted: [string, () => Promise<{ dir: string; log: string; why: RegExp }>][] = [
    ["a directory others can enter (0755)", async () => {
      const dir = sparesDir();
      chmodSync(dir, 0o755);
      return { dir, log: await fakeSpare(dir), why: /mode 0755/ };
    }],
    ["a directory owned by another user (nobody, 0700)", async () => {
      const dir = sparesDir();
      const log = await fakeSpare(dir);
      chownSync(dir, NOBODY, NOBODY);
      return { dir, log, why: /owned by uid 65534/ };
    }],
    ["a symlink to a good directory", async () => {
      const dir = sparesDir();
      const link = join(mkdtempSync(join(work, "l-")), "run");
      symlinkSync(dir, link);
      return { dir: link, log: await fakeSpare(dir), why: /a symlink/ };
    }],
    ["a socket served by a process of another user (nobody)", async () => {
      const dir = sparesDir();
      return { dir, log: await fakeSpare(dir, NOBODY), why: /runs as uid 65534/ };
    }],
  ];

  it.each(untrusted)("%s: the fake spare gets no request, the call succeeds cold, and the trace says why", async (_what, make) => {
    const { dir, log, why } = await make();
    const r = addAndDel(dir);
    expect([r.add.code, r.del.code], r.add.stdout + r.add.stderr).toEqual([0, 0]);
    expect(r.prestarted).toBe(false);
    expect(fakeLog(log)).not.toMatch(/request \d+ bytes/);
    expect(r.add.stderr).toMatch(/not handing the call to serve's pool/);
    expect(r.add.stderr).toMatch(why);
  });

  it("without tracing, nothing is said on stderr about an untrusted directory", async () => {
    const dir = sparesDir();
    chmodSync(dir, 0o755);
    const log = await fakeSpare(dir);
    const [ns, host] = [newNetns("quiet"), newNetns("quiethost")];
    const base = { binary: join(CNI_BIN, "bridge"), containerId: "q", netns: ns.path, ifname: "eth0", timeoutMs: 20_000, inNetns: host.name,
      config: { cniVersion: "1.1.0", name: "quietnet", type: "bridge", bridge: "quiet0", ipam: { type: "host-local", dataDir: join(work, "ipam"), ranges: [[{ subnet: "10.95.0.0/24" }]] } } };
    const add = cniExec({ ...base, command: "ADD", env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: dir } });
    expect([add.code, add.stderr]).toEqual([0, ""]);
    expect(fakeLog(log)).not.toMatch(/request \d+ bytes/);
    expect(cniExec({ ...base, command: "DEL", env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: "off" } }).code).toBe(0);
  });
});
