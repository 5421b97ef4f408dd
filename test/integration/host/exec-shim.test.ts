// The exec shim (bin/wasm-cni, native/shim.c): what a runtime execs for every call. It holds no
// CNI logic: it hands the call to a spare of `wasm-cni serve` or execs the Node host cold. A
// scripted fake spare (a small Python server) checks what it sends and each way a spare can
// answer: refusing (the call runs cold), an exit code (relayed), and a broken or missing end
// (CNI error 999, never a silent success). hostile-prestart.test.ts covers whom it trusts and
// prestart.test.ts the real spares.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cniExec } from "../../../tools/cni-exec";
import { CNI_BIN, HOST_BIN } from "../../helpers/fixtures";
import { netnsPerTest } from "../../helpers/netns";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

/** Answers "ready", records the request and its descriptors, then plays its script: replies after the request. */
const FAKE_SPARE = `
import array, json, os, socket, sys
path, log, replies = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(8)
open(log + ".up", "w").close()
c, _ = s.accept()
c.send(b"ready")
msg, anc, _, _ = c.recvmsg(1 << 20, socket.CMSG_SPACE(3 * 4))
fds = array.array("i")
for _, _, data in anc: fds.frombytes(data[: len(data) - len(data) % 4])
for reply in replies:
    if reply == "write-stdout": os.write(fds[1], b'{"from":"the spare"}')
    elif reply == "hang-up": break
    else: c.send(reply.encode())
with open(log, "w") as f: json.dump({"request": json.loads(msg), "fds": len(fds)}, f)
for fd in fds: os.close(fd)
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
  work = mkdtempSync(join(tmpdir(), "wasm-cni-shim-"));
}, 120_000);

/** A spares' directory as serve makes it (root, 0700) with one fake spare playing `replies`. */
async function fakeSpare(replies: string[]): Promise<{ dir: string; log: string }> {
  const dir = join(mkdtempSync(join(work, "d-")), "run");
  mkdirSync(dir, { mode: 0o700 });
  const log = join(dir, "..", "fake.json");
  const child = spawn("/usr/bin/python3", ["-c", FAKE_SPARE, join(dir, "host.sock"), log, ...replies], { stdio: "ignore" });
  fakes.push(child);
  for (const t0 = Date.now(); !existsSync(`${log}.up`); ) {
    if (Date.now() - t0 > 10_000) throw new Error("the fake spare did not start");
    await new Promise((r) => setTimeout(r, 20));
  }
  return { dir, log };
}

interface Seen {
  request: { version: number; argv0: string; cwd: string; umask: number; priority: number; env: Record<string, string>; ns: { net: string; mnt: string } };
  fds: number;
}
const seen = (log: string): Seen => JSON.parse(readFileSync(log, "utf8")) as Seen;

function bridgeCall(dir: string, containerId: string, command: "ADD" | "DEL" = "ADD", env: Record<string, string> = {}) {
  const [ns, host] = [newNetns(`s${containerId}`), newNetns(`h${containerId}`)];
  const config = { cniVersion: "1.1.0", name: "shimnet", type: "bridge", bridge: "shim0", ipam: { type: "host-local", dataDir: join(work, "ipam"), ranges: [[{ subnet: "10.93.0.0/24" }]] } };
  return cniExec({
    binary: join(CNI_BIN, "bridge"), command, containerId, netns: ns.path, ifname: "eth0", config, timeoutMs: 20_000, inNetns: host.name,
    env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: dir, WASM_CNI_TRACE: "1", ...env },
  });
}

const cold = (stderr: string): boolean => /"prestarted":false/.test(stderr);

describe("the exec shim", () => {
  it("is a native executable, not a Node script", () => {
    expect(readFileSync(HOST_BIN).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  });

  it("hands a spare the call as it got it: argv[0], cwd, umask, nice value, every variable (quotes, backslashes, controls, UTF-8 intact) and stdin, stdout, stderr", async () => {
    const { dir, log } = await fakeSpare(["started", "write-stdout", "exit 0"]);
    const odd = 'a"b\\c\nd\te\u001bf é 中';
    const r = bridgeCall(dir, "a", "ADD", { ODD_VALUE: odd, [`ODD_${"K".repeat(300)}`]: "" });
    expect([r.code, r.stdout]).toEqual([0, '{"from":"the spare"}']);
    const { request, fds } = seen(log);
    expect(fds).toBe(3);
    expect(request).toMatchObject({ version: 1, argv0: join(CNI_BIN, "bridge"), cwd: process.cwd(), umask: process.umask(), priority: 0 });
    expect(request.env).toMatchObject({ ODD_VALUE: odd, CNI_COMMAND: "ADD", CNI_CONTAINERID: "a", [`ODD_${"K".repeat(300)}`]: "" });
    expect(request.env).not.toHaveProperty("WASM_CNI_ARGV0");
    expect(request.ns.net).toMatch(/^\d+:\d+$/);
  });

  it("relays the spare's exit code as its own, and prints nothing of its own", async () => {
    const { dir } = await fakeSpare(["started", "exit 7"]);
    const r = bridgeCall(dir, "b");
    expect([r.code, r.stdout]).toEqual([7, ""]);
  });

  it("a spare that refuses the call leaves it to run cold, and it succeeds", async () => {
    const { dir, log } = await fakeSpare(["refused not today"]);
    const r = bridgeCall(dir, "c");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(cold(r.stderr)).toBe(true);
    expect(seen(log).fds).toBe(3);
    expect(bridgeCall("off", "c", "DEL").code).toBe(0);
  });

  it("a spare that hangs up before it started leaves the call to run cold", async () => {
    const { dir } = await fakeSpare(["hang-up"]);
    const r = bridgeCall(dir, "d");
    expect([r.code, cold(r.stderr)]).toEqual([0, true]);
    expect(bridgeCall("off", "d", "DEL").code).toBe(0);
  });

  it.each([
    ["hangs up after it started", ["started", "hang-up"]],
    ["answers an exit code out of range", ["started", "exit 300"]],
    ["answers garbage", ["started", "exit 1x"]],
  ])("a spare that %s leaves the runtime CNI error 999 and exit 1, never a silent success", async (_what, replies) => {
    const { dir } = await fakeSpare(replies);
    const r = bridgeCall(dir, "e");
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/prestarted host \(wasm-cni serve\) ended before it finished the call/) });
  });

  it("with no spare, runs the Node host cold under the name it was exec'd by, with no trace of the hand-over in the plugin's environment", () => {
    const dir = join(mkdtempSync(join(work, "empty-")), "run");
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
    const r = bridgeCall(dir, "f");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(cold(r.stderr)).toBe(true);
    expect(r.json).toMatchObject({ interfaces: expect.arrayContaining([expect.objectContaining({ name: "eth0" })]) });
    expect(bridgeCall(dir, "f", "DEL").code).toBe(0);
  });

  it("VERSION never goes to a spare", async () => {
    const { dir, log } = await fakeSpare(["started", "exit 0"]);
    const r = cniExec({ binary: HOST_BIN, command: "VERSION", config: { cniVersion: "1.1.0" }, env: { WASM_CNI_PRESTART_DIR: dir } });
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ supportedVersions: expect.arrayContaining(["1.1.0"]) });
    expect(existsSync(log)).toBe(false);
  });
});
