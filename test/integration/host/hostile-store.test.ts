// The store's place comes from the runtime's config, never from the plugin (issue 10, item 1):
// `hoarder`, granted `store`, calls store.open() and names only keys. Unless the runtime's
// config names it in ipam.type, it gets a bucket of its own and cannot see or change the
// network's reservations; keys that would leave the bucket are invalid; stale temporary files
// elsewhere survive; a failed ADD's writes are undone; the store quota stops it (999, audited).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectCniError, runHostile, tempDir, writePolicy } from "../../helpers/hostile";
import { netnsPerTest } from "../../helpers/netns";
import { buildFixtures } from "../../helpers/plugin-under-test";

const DEFAULT_ROOT = "/var/lib/cni/networks";
const OWN_ROOT = "/var/lib/cni/wasm-cni/hoarder";

let pluginDir: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["hoarder"]);
}, 180_000);

const netns = netnsPerTest();

const policy = (grant: Record<string, unknown> = {}): string => writePolicy({ hoarder: { interfaces: ["store"], ...grant } });

/** A file tree as { relative path: content }. */
function tree(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()
    .filter((f) => !f.endsWith("/lock") && f !== "lock" && statSync(join(dir, f), { throwIfNoEntry: false })?.isFile())
    .map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/** A network with reservations in its dataDir and in the default root, each beside a stale temporary file. */
function network() {
  const name = `hoard-${Math.random().toString(16).slice(2, 8)}`;
  const dataDir = tempDir("hoarder");
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
  return runHostile({ plugin: "hoarder", pluginDir, policy: pol, netns: netns("hoard"), config: { name: net.name, ipam, ...config } });
}

describe("a hostile plugin granted store", () => {
  it("that is not the network's IPAM plugin gets a bucket of its own: it cannot see or change the network's reservations", () => {
    const net = network();
    const before = net.state();
    expectCniError(add(net, { mode: "entries" }), 100, /^hoarder entries: \[\]$/);
    const put = add(net, { mode: "put", key: "10.81.0.5" });
    expect(put.code, put.stdout + put.stderr).toBe(0);
    expectCniError(add(net, { mode: "entries" }), 100, /^hoarder entries: \[10\.81\.0\.5\]$/);
    // Without a dataDir, the network's state is in the default root: still not its bucket.
    expectCniError(add(net, { mode: "entries" }, policy(), { type: "host-local" }), 100, /^hoarder entries: \[10\.81\.0\.5\]$/);
    const after = net.state();
    expect({ dataDir: after.dataDir, defaultRoot: after.defaultRoot }).toEqual({ dataDir: before.dataDir, defaultRoot: before.defaultRoot });
    expect(after.own).toEqual({ "10.81.0.5": "hoarder\r\neth0" });
    expect(after.dataDir["10.81.0.9.tmp-99"]).toBe("a dead writer's"); // its open cleaned only its own bucket
  });

  it("the plugin the runtime's config names in ipam.type opens the network's state (and cleans only its stale files)", () => {
    const net = network();
    expectCniError(add(net, { mode: "entries" }, policy(), { type: "hoarder", dataDir: net.dataDir }), 100, /^hoarder entries: \[10\.81\.0\.5\]$/);
    const s = net.state();
    expect(s.dataDir).toEqual({ "10.81.0.5": "ctr-other\r\neth0" });
    expect(s.defaultRoot["10.81.0.9.tmp-99"]).toBe("a dead writer's");
    expect(s.own).toEqual({});
  });

  it("keys that would leave the bucket or hit its own files are invalid, and nothing is written anywhere", () => {
    const net = network();
    const before = net.state();
    const r = add(net, { mode: "keys" });
    expectCniError(r, 100, /^hoarder keys: a\/b=invalid \.\.=invalid \.=invalid lock=invalid x\.tmp-1=invalid \.\.\/\.\.\/etc\/cron\.d\/x=invalid \/etc\/passwd=invalid =invalid$/);
    expect(net.state()).toEqual(before);
  });

  it("a failed ADD's store writes are undone by the host", () => {
    const net = network();
    const r = add(net, { mode: "put-fail", key: "k1" });
    expectCniError(r, 100, /^hoarder put-fail: failing after the put$/);
    expect(r.audit().calls.find((c) => c.fn.startsWith("undo store.put k1"))).toMatchObject({ outcome: "ok" });
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
    const r = add(net, { mode: "fill", ...fill }, policy(grant));
    expectCniError(r, 999, new RegExp(`^plugin "hoarder" .*key ${key}\\b.*${limit}`));
    expect(r.audit().code).toBe(999);
    expect(r.audit().denials).toEqual([{ plugin: "hoarder", fn: "limit", reason: expect.stringMatching(new RegExp(`^${limit}: `)) }]);
    expect(net.state()).toEqual(before);
  });
});
