// The store's place comes from the runtime's config, never from the plugin (issue 10, item 1):
// `hoarder`, granted `store`, calls store.open() and names only keys. Unless the runtime's
// config names it in ipam.type, it gets a bucket of its own and cannot see or change the
// network's reservations; keys that would leave the bucket are invalid; stale temporary files
// elsewhere survive; a failed ADD's writes are undone; the store quota stops it (999, audited).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditLine } from "../../../host/runtime/audit";
import { cniExec, type CniOutcome } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { netnsPerTest } from "../../helpers/netns";
import { buildFixtures } from "../../helpers/plugin-under-test";

const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-hoarder-"));
const DEFAULT_ROOT = "/var/lib/cni/networks";
const OWN_ROOT = "/var/lib/cni/wasm-cni/hoarder";

let pluginDir: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["hoarder"]);
}, 180_000);

const netns = netnsPerTest();

function policy(grant: Record<string, unknown> = {}): string {
  const path = join(tmp(), "policy.json");
  writeFileSync(path, JSON.stringify({ plugins: { hoarder: { interfaces: ["store"], ...grant } } }));
  return path;
}

/** A file tree as { relative path: content }. */
function tree(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()
    .filter((f) => !f.endsWith("/lock") && f !== "lock" && existsSync(join(dir, f)) && !readdirSafe(join(dir, f)))
    .map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

function readdirSafe(p: string): boolean {
  try {
    readdirSync(p);
    return true;
  } catch {
    return false;
  }
}

/** A network with reservations in its dataDir and in the default root, each beside a stale temporary file. */
function network() {
  const name = `hoard-${Math.random().toString(16).slice(2, 8)}`;
  const dataDir = tmp();
  for (const root of [dataDir, DEFAULT_ROOT]) {
    mkdirSync(join(root, name), { recursive: true });
    writeFileSync(join(root, name, "10.81.0.5"), "ctr-other\r\neth0");
    writeFileSync(join(root, name, "10.81.0.9.tmp-99"), "a dead writer's");
  }
  rmSync(join(OWN_ROOT, name), { recursive: true, force: true });
  return {
    name, dataDir,
    /** Every place a bucket of this network could be. */
    state: () => ({ dataDir: tree(join(dataDir, name)), defaultRoot: tree(join(DEFAULT_ROOT, name)), own: tree(join(OWN_ROOT, name)) }),
  };
}

type Net = ReturnType<typeof network>;

function add(net: Net, config: Record<string, unknown>, pol = policy(), ipam: Record<string, unknown> = { type: "host-local", dataDir: net.dataDir }) {
  const audit = join(tmp(), "audit.jsonl");
  const r = cniExec({
    binary: HOST_BIN, command: "ADD", containerId: "ctr1", ifname: "eth0", netns: netns("hoard").path,
    config: { cniVersion: "1.1.0", name: net.name, type: "wasm-cni", plugin: "hoarder", ipam, ...config },
    env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: pol, WASM_CNI_AUDIT_LOG: audit },
  });
  const line = existsSync(audit) ? (JSON.parse(readFileSync(audit, "utf8").trim().split("\n").at(-1)!) as AuditLine) : undefined;
  return { r, audit: line };
}

function expectError(r: CniOutcome, code: number, msg: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.json).toMatchObject({ code, msg: expect.stringMatching(msg) });
  expect(r.stdout).not.toMatch(/\n\s+at /);
}

describe("a hostile plugin granted store", () => {
  it("that is not the network's IPAM plugin gets a bucket of its own: it cannot see or change the network's reservations", () => {
    const net = network();
    const before = net.state();
    expectError(add(net, { mode: "entries" }).r, 100, /^hoarder entries: \[\]$/);
    const put = add(net, { mode: "put", key: "10.81.0.5" });
    expect(put.r.code, put.r.stdout + put.r.stderr).toBe(0);
    expectError(add(net, { mode: "entries" }).r, 100, /^hoarder entries: \[10\.81\.0\.5\]$/);
    // Without a dataDir, the network's state is in the default root: still not its bucket.
    expectError(add(net, { mode: "entries" }, policy(), { type: "host-local" }).r, 100, /^hoarder entries: \[10\.81\.0\.5\]$/);
    const after = net.state();
    expect({ dataDir: after.dataDir, defaultRoot: after.defaultRoot }).toEqual({ dataDir: before.dataDir, defaultRoot: before.defaultRoot });
    expect(after.own).toEqual({ "10.81.0.5": "hoarder\r\neth0" });
    expect(after.dataDir["10.81.0.9.tmp-99"]).toBe("a dead writer's"); // its open cleaned only its own bucket
  });

  it("the plugin the runtime's config names in ipam.type opens the network's state (and cleans only its stale files)", () => {
    const net = network();
    expectError(add(net, { mode: "entries" }, policy(), { type: "hoarder", dataDir: net.dataDir }).r, 100, /^hoarder entries: \[10\.81\.0\.5\]$/);
    const s = net.state();
    expect(s.dataDir).toEqual({ "10.81.0.5": "ctr-other\r\neth0" });
    expect(s.defaultRoot["10.81.0.9.tmp-99"]).toBe("a dead writer's");
    expect(s.own).toEqual({});
  });

  it("keys that would leave the bucket or hit its own files are invalid, and nothing is written anywhere", () => {
    const net = network();
    const before = net.state();
    const { r } = add(net, { mode: "keys" });
    expectError(r, 100, /^hoarder keys: a\/b=invalid \.\.=invalid \.=invalid lock=invalid x\.tmp-1=invalid \.\.\/\.\.\/etc\/cron\.d\/x=invalid \/etc\/passwd=invalid =invalid$/);
    expect(net.state()).toEqual(before);
  });

  it("a failed ADD's store writes are undone by the host", () => {
    const net = network();
    const { r, audit } = add(net, { mode: "put-fail", key: "k1" });
    expectError(r, 100, /^hoarder put-fail: failing after the put$/);
    expect(audit?.calls.find((c) => c.fn.startsWith("undo store.put k1"))).toMatchObject({ outcome: "ok" });
    expect(net.state().own).toEqual({});
  });

  // [grant, fill, the limit named, the first key refused]
  const QUOTAS: [Record<string, number>, { count: number; size: number }, string, string][] = [
    [{}, { count: 1, size: 4097 }, "storeValueBytes", "k0"],
    [{}, { count: 400, size: 4000 }, "storeBytesPerCall", "k261"],
    [{ storeBytesPerCall: 10_000 }, { count: 10, size: 3000 }, "storeBytesPerCall", "k3"],
    [{ storeKeysPerBucket: 3 }, { count: 10, size: 10 }, "storeKeysPerBucket", "k3"],
  ];

  it.each(QUOTAS)("grant %j: writing %j stops at %s with 999 naming it, audited as a limit, and its writes are undone", (grant, fill, limit, key) => {
    const net = network();
    const before = net.state();
    const { r, audit } = add(net, { mode: "fill", ...fill }, policy(grant));
    expectError(r, 999, new RegExp(`^plugin "hoarder" .*key ${key}\\b.*${limit}`));
    expect(audit?.code).toBe(999);
    expect(audit?.denials).toEqual([{ plugin: "hoarder", fn: "limit", reason: expect.stringMatching(new RegExp(`^${limit}: `)) }]);
    expect(net.state()).toEqual(before);
  });
});
