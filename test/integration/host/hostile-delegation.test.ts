// Delegation is no confused deputy (issue 10, item 1): a hostile main plugin with bridge's
// delegation grant (`deputy`: ipam, delegates [host-local]) gets host-local run only on the
// config the runtime passed and only for the verb of the call in progress. During ADD,
// ipam.gc/check/status are refused (cni-error 999, audited) and ipam.del undoes only this
// call's own reservation; a failed ADD's reservation is undone by the host. Other
// containers' reservations and the files on disk stay as they were.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../helpers/fixtures";
import { expectCniError, runHostile, tempDir, writePolicy } from "../../helpers/hostile";
import { netnsPerTest } from "../../helpers/netns";
import { buildFixtures, buildPluginUnderTest } from "../../helpers/plugin-under-test";

const RESOLV = join(ROOT, "test/fixtures/dns/resolv.conf");

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  await buildPluginUnderTest("host-local");
  pluginDir = await buildFixtures(["deputy"]);
  policy = writePolicy({ deputy: { interfaces: ["ipam"], delegates: ["host-local"] } });
}, 180_000);

const netns = netnsPerTest();

/** A network whose state dir already holds another container's reservation (10.80.0.5). */
function network() {
  const dataDir = tempDir("deputy");
  const name = `dep-${Math.random().toString(16).slice(2, 8)}`;
  const bucket = join(dataDir, name);
  mkdirSync(bucket);
  writeFileSync(join(bucket, "10.80.0.5"), "ctr-other\r\neth0");
  const files = (): Record<string, string> =>
    Object.fromEntries(readdirSync(bucket).filter((f) => f !== "lock").sort().map((f) => [f, readFileSync(join(bucket, f), "utf8")]));
  return { dataDir, name, bucket, files };
}

type Net = ReturnType<typeof network>;

function call(command: "ADD" | "DEL" | "CHECK" | "STATUS" | "GC", net: Net, mode: string, extra: Record<string, unknown> = {}, pol = policy) {
  return runHostile({
    plugin: "deputy", pluginDir, policy: pol, command, netns: netns("dep"),
    config: {
      name: net.name, mode,
      ipam: { type: "host-local", dataDir: net.dataDir, resolvConf: RESOLV, ranges: [[{ subnet: "10.80.0.0/24" }]] },
      ...extra,
    },
  });
}

describe("a hostile plugin delegating to host-local", () => {
  it.each(["gc", "check", "status"])("ipam.%s during ADD is refused with 999, audited as a denial, and the network's reservations stay", (verb) => {
    const net = network();
    const before = net.files();
    const r = call("ADD", net, verb);
    expectCniError(r, 100, new RegExp(`^deputy ${verb}: 999 plugin "deputy" may not run ipam\\.${verb} during ADD`));
    expect(r.audit().denials).toEqual([{ plugin: "deputy", fn: `ipam.${verb}`, reason: expect.stringMatching(/^plugin "deputy" may not run ipam/) }]);
    expect(r.audit().components).not.toHaveProperty("host-local"); // never ran
    expect(net.files()).toEqual(before);
  });

  it("ipam.del during ADD releases nothing it did not reserve in this call: a reservation of the same container id stays", () => {
    const net = network();
    writeFileSync(join(net.bucket, "10.80.0.6"), "ctr1\r\neth0"); // e.g. a racing ADD of the same id
    const before = net.files();
    const r = call("ADD", net, "del");
    expectCniError(r, 100, /^deputy del: let through$/);
    expect(net.files()).toEqual(before);
  });

  it("a failed ADD's reservation is undone by the host, though the plugin never released it", () => {
    const net = network();
    const before = net.files();
    const r = call("ADD", net, "fail");
    expectCniError(r, 100, /^deputy fail: failing on purpose after ipam\.add$/);
    expect(r.audit().calls.map((c) => c.fn)).toEqual(expect.arrayContaining(["ipam.add", "store.put"]));
    expect(r.audit().calls.some((c) => c.fn.startsWith("undo store.put 10.80.0."))).toBe(true);
    expect(net.files()).toEqual(before);
  });

  it("ipam.del during ADD undoes exactly this call's reservation (and the host's rollback has nothing left to do)", () => {
    const net = network();
    const before = net.files();
    const r = call("ADD", net, "add-del");
    expectCniError(r, 100, /^deputy add-del: failing after ipam\.del$/);
    expect(net.files()).toEqual(before);
    const del = r.audit().calls.find((c) => c.fn === "ipam.del");
    expect(del).toMatchObject({ plugin: "deputy", args: [], outcome: "ok" });
  });

  it("the delegate runs on the runtime's config: its dataDir and resolvConf, whatever the parent holds", () => {
    const net = network();
    const r = call("ADD", net, "add");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ips: [{ address: "10.80.0.2/24" }], dns: { nameservers: ["10.0.0.53", "fd00::53"], domain: "example.com" } });
    expect(net.files()).toMatchObject({ "10.80.0.2": "ctr1\r\neth0", "10.80.0.5": "ctr-other\r\neth0" });
    expect(existsSync(join("/var/lib/cni/networks", net.name))).toBe(false); // nowhere but the runtime's dataDir
    // DEL may not run another verb either; its own ipam.del releases this container's address.
    const gc = call("DEL", net, "gc");
    expectCniError(gc, 100, /^deputy gc: 999 plugin "deputy" may not run ipam\.gc during DEL/);
    const add = call("DEL", net, "add");
    expectCniError(add, 100, /^deputy add: 999 plugin "deputy" may not run ipam\.add during DEL/);
    expect(net.files()).toHaveProperty("10.80.0.2");
    const del = call("DEL", net, "");
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(net.files()).toEqual({ "10.80.0.5": "ctr-other\r\neth0", "last_reserved_ip.0": "10.80.0.2" });
  });

  it("a delegate that hits its store quota ends the call with 999 naming the limit, audited, and leaves no reservation", () => {
    const net = network();
    const before = net.files();
    const tight = writePolicy({
      deputy: { interfaces: ["ipam"], delegates: ["host-local"] },
      "host-local": { interfaces: ["store", "log", "dns"], storeValueBytes: 5 },
    });
    const r = call("ADD", net, "add", {}, tight);
    expectCniError(r, 999, /^plugin "host-local" wrote a store value of 10 B \(key 10\.80\.0\.2\), over its limit of storeValueBytes 5 \(in add\)$/);
    expect(r.audit().denials).toEqual([{ plugin: "host-local", fn: "limit", reason: expect.stringMatching(/^storeValueBytes: /) }]);
    expect(net.files()).toEqual(before);
  });

  it("GC runs host-local's GC with the runtime's valid attachments", () => {
    const net = network();
    writeFileSync(join(net.bucket, "10.80.0.7"), "ctr-gone\r\neth0");
    const r = call("GC", net, "", { "cni.dev/valid-attachments": [{ containerID: "ctr-other", ifname: "eth0" }] });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(net.files()).toEqual({ "10.80.0.5": "ctr-other\r\neth0" });
  });
});
