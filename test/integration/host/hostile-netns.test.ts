// CNI_NETNS values that are no network namespace, through bin/wasm-cni with bridge + host-local
// as a runtime calls them. Each fails at once (a FIFO used to block open(2) forever) with a CNI
// error naming the path, and changes nothing: no link in the call's host netns, no IPAM
// reservation, the file itself as it was.
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cniExec } from "../../../tools/cni-exec";
import { CNI_BIN, HOST_BIN } from "../../helpers/fixtures";
import { ipJson, netnsPerTest } from "../../helpers/netns";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

const newNetns = netnsPerTest();
let pluginDir: string;
let work: string;

beforeAll(async () => {
  pluginDir = await buildPluginUnderTest("bridge");
  await buildPluginUnderTest("host-local");
  work = mkdtempSync(join(tmpdir(), "wasm-cni-netns-edges-"));
}, 120_000);

/** Makes the kind of file a CNI_NETNS must not be, and returns its path. */
const MAKERS: [string, () => string][] = [
  ["a FIFO", () => { const p = join(mkdtempSync(join(work, "f-")), "fifo"); execFileSync("mkfifo", [p]); return p; }],
  ["a regular file", () => { const p = join(mkdtempSync(join(work, "r-")), "file"); writeFileSync(p, ""); return p; }],
  ["a directory", () => { const p = join(mkdtempSync(join(work, "d-")), "dir"); mkdirSync(p); return p; }],
  ["a namespace of another kind (/proc/self/ns/mnt)", () => "/proc/self/ns/mnt"],
  ["a Unix socket", () => {
    const p = join(mkdtempSync(join(work, "s-")), "sock");
    execFileSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", p]);
    return p;
  }],
];

function call(command: "ADD" | "DEL", netns: string, hostNs: string, dataDir: string) {
  return cniExec({
    binary: join(CNI_BIN, "bridge"), command, containerId: "edge", netns, ifname: "eth0", inNetns: hostNs, timeoutMs: 10_000,
    config: { cniVersion: "1.1.0", name: "edgenet", type: "bridge", bridge: "edge0", isGateway: true, ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.93.0.0/24" }]] } },
    env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_PRESTART_DIR: "off" },
  });
}

const what = (path: string): string => {
  const s = lstatSync(path);
  return `${s.mode.toString(8)} ${s.ino} ${s.size}`;
};

describe("a CNI_NETNS that is not a network namespace", () => {
  it.each(MAKERS)("%s: ADD fails at once with CNI error 999 naming the path, and nothing changes", (_kind, make) => {
    const path = make();
    const before = what(path);
    const host = newNetns("edgehost");
    const dataDir = mkdtempSync(join(work, "ipam-"));
    const r = call("ADD", path, host.name, dataDir);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.ms).toBeLessThan(5_000);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringContaining(path) });
    expect(JSON.stringify(r.json)).toMatch(/not a network namespace/);
    expect(ipJson<{ ifname: string }[]>(host, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
    const reserved = (() => { try { return readdirSync(join(dataDir, "edgenet")).filter((f) => /^10\./.test(f)); } catch { return []; } })();
    expect(reserved).toEqual([]);
    expect(what(path)).toBe(before);
  });

  it.each(MAKERS)("%s: DEL fails at once with an error naming the path", (_kind, make) => {
    const path = make();
    const host = newNetns("edgedel");
    const r = call("DEL", path, host.name, mkdtempSync(join(work, "ipam-")));
    expect(r.ms).toBeLessThan(5_000);
    expect([r.code, r.json]).toMatchObject([1, { code: 999, msg: expect.stringContaining(path) }]);
  });

  it("DEL with a netns that is gone still succeeds (idempotent)", () => {
    const host = newNetns("edgegone");
    const r = call("DEL", "/run/netns/edge-gone-never-made", host.name, mkdtempSync(join(work, "ipam-")));
    expect([r.code, r.stdout]).toEqual([0, ""]);
  });
});
