// tools/conflist-runner.ts against a fake exec (libcni's fakeExec in pkg/invoke): what each
// plugin gets on stdin and in its CNI_* variables, in which order, and what the cache holds.
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { CniInvocation, CniOutcome } from "../../../tools/cni-exec";
import { ConflistError, createConflistRunner, parseConflist, type Attachment, type JsonObject } from "../../../tools/conflist-runner";

type Reply = Partial<CniOutcome> | ((inv: CniInvocation, conf: JsonObject) => Partial<CniOutcome>);
interface Call { plugin: string; command: string; conf: JsonObject; inv: CniInvocation }

let binDir: string, cacheDir: string, calls: Call[], replies: Record<string, Reply>;

beforeEach(() => {
  binDir = mkdtempSync(join(tmpdir(), "runner-bin-"));
  cacheDir = mkdtempSync(join(tmpdir(), "runner-cache-"));
  for (const p of ["a", "b", "c"]) writeFileSync(join(binDir, p), "");
  calls = [];
  replies = {};
});

/** Each plugin answers with its name appended to prevResult.interfaces, unless `replies` says otherwise. */
function runner() {
  return createConflistRunner({
    path: ["/nonexistent", binDir], cacheDir,
    exec: (inv) => {
      const conf = JSON.parse(String(inv.config)) as JsonObject;
      const plugin = inv.binary.slice(binDir.length + 1);
      calls.push({ plugin, command: inv.command, conf, inv });
      const reply = replies[`${plugin}:${inv.command}`];
      const r = typeof reply === "function" ? reply(inv, conf) : reply;
      const prev = (conf["prevResult"] ?? { cniVersion: conf["cniVersion"], interfaces: [] }) as { interfaces: unknown[] };
      const json = inv.command === "ADD" ? { ...prev, interfaces: [...prev.interfaces, { name: plugin }] } : undefined;
      const stdout = r?.stdout ?? (json ? JSON.stringify(json) : "");
      return { code: 0, stderr: "", ms: 0, ...r, stdout, json: r && "json" in r ? r.json : stdout ? JSON.parse(stdout) : undefined };
    },
  });
}

const list = (extra: JsonObject = {}, version = "1.1.0") =>
  parseConflist({ cniVersion: version, name: "net1", plugins: [{ type: "a", x: 1 }, { type: "b", capabilities: { mac: true, ips: false } }, { type: "c", name: "own", cniVersion: "0.1.0" }], ...extra });
const att: Attachment = { containerId: "ctr1", ifname: "eth0", netns: "/run/netns/x", args: [["IgnoreUnknown", "1"], ["K", "V"]], capabilityArgs: { mac: "02:00:00:00:00:01", ips: ["10.0.0.5"] } };
const order = (command: string) => calls.filter((c) => c.command === command).map((c) => c.plugin);

describe("parseConflist", () => {
  it("takes the highest cniVersions entry not above 1.1.0 and reads string flags", () => {
    const l = parseConflist({ name: "n", cniVersion: "0.4.0", cniVersions: ["1.0.0", "9.0.0"], disableCheck: "TRUE", plugins: [{ type: "a" }] });
    expect([l.cniVersion, l.disableCheck, l.disableGC]).toEqual(["1.0.0", true, false]);
  });
  it.each([
    [{ plugins: [{ type: "a" }] }, "no name"],
    [{ name: "n", plugins: [] }, "no plugins in list"],
    [{ name: "n", plugins: [{ x: 1 }] }, "missing 'type'"],
    [{ name: "n", disableGC: "yes", plugins: [{ type: "a" }] }, "invalid value"],
  ])("refuses %j: %s", (conf, why) => {
    expect(() => parseConflist(conf)).toThrow(why);
  });
});

describe("ADD", () => {
  it("runs the plugins in order, each getting the previous result, name, cniVersion and its capabilities' runtimeConfig", () => {
    const r = runner().add(list(), att);
    expect(order("ADD")).toEqual(["a", "b", "c"]);
    const [a, b, c] = calls.map((x) => x.conf);
    expect(a).toEqual({ type: "a", x: 1, name: "net1", cniVersion: "1.1.0" });
    expect(b).toEqual({ type: "b", capabilities: { mac: true, ips: false }, name: "net1", cniVersion: "1.1.0", prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "a" }] }, runtimeConfig: { mac: "02:00:00:00:00:01" } });
    expect(c?.["prevResult"]).toEqual({ cniVersion: "1.1.0", interfaces: [{ name: "a" }, { name: "b" }] });
    expect([c?.["name"], c?.["cniVersion"]]).toEqual(["net1", "1.1.0"]);
    expect(r).toEqual({ cniVersion: "1.1.0", interfaces: [{ name: "a" }, { name: "b" }, { name: "c" }] });
  });

  it("sets the six CNI_* variables as libcni does (CNI_ARGS joined, CNI_PATH the list)", () => {
    runner().add(list(), att);
    const inv = calls[0]!.inv;
    expect([inv.containerId, inv.netns, inv.ifname, inv.args, inv.path]).toEqual(["ctr1", "/run/netns/x", "eth0", "IgnoreUnknown=1;K=V", `/nonexistent:${binDir}`]);
    expect(inv.binary).toBe(join(binDir, "a"));
  });

  it("writes libcni's cniCacheV1 record (config base64, 0600) after the last plugin", () => {
    const l = list();
    const r = runner().add(l, att);
    const file = join(cacheDir, "results", "net1-ctr1-eth0");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      kind: "cniCacheV1", containerId: "ctr1", config: Buffer.from(l.bytes).toString("base64"), ifName: "eth0", networkName: "net1",
      netns: "/run/netns/x", cniArgs: att.args, capabilityArgs: att.capabilityArgs, result: r,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("stamps a result without cniVersion with the list's version", () => {
    replies["c:ADD"] = { stdout: JSON.stringify({ ips: [] }) };
    expect(runner().add(list(), att)).toEqual({ cniVersion: "1.1.0", ips: [] });
  });

  it("stops at a failing plugin with its code, msg and details, and caches nothing", () => {
    replies["b:ADD"] = { code: 1, stdout: JSON.stringify({ code: 7, msg: "bad config", details: "field x" }) };
    const e = catchError(() => runner().add(list(), att));
    expect([e.code, e.details, e.plugin, e.message]).toEqual([7, "field x", "b", 'plugin type="b" failed (add): bad config; field x']);
    expect(order("ADD")).toEqual(["a", "b"]);
    expect(existsSync(join(cacheDir, "results", "net1-ctr1-eth0"))).toBe(false);
  });

  it.each([
    [{ containerId: "" }, 3], [{ containerId: "-bad" }, 4], [{ ifname: "a/b" }, 4], [{ ifname: "x".repeat(16) }, 4],
  ])("refuses %j with code %i before any exec", (bad, code) => {
    expect(catchError(() => runner().add(list(), { ...att, ...bad })).code).toBe(code);
    expect(calls).toEqual([]);
  });

  it.each([
    [{ code: 1, stdout: "", stderr: "" }, "netplugin failed with no error message: exit status 1"],
    [{ code: 2, stdout: "", stderr: "boom" }, 'netplugin failed: "boom": exit status 2'],
    [{ code: 1, stdout: "not json", json: undefined }, "netplugin failed but error parsing its diagnostic message"],
  ])("reports a plugin failure %j as libcni does", (reply, msg) => {
    replies["a:ADD"] = reply;
    expect(catchError(() => runner().add(list(), att)).message).toContain(msg);
  });

  it("fails when a plugin's type is not in the path or names a path", () => {
    expect(() => runner().add(parseConflist({ name: "n", cniVersion: "1.1.0", plugins: [{ type: "zz" }] }), att)).toThrow('failed to find plugin "zz"');
    expect(() => runner().add(parseConflist({ name: "n", cniVersion: "1.1.0", plugins: [{ type: "../a" }] }), att)).toThrow("invalid plugin name");
  });
});

describe("DEL", () => {
  it("runs the plugins in reverse, each with the cached ADD result, and removes the cache file", () => {
    const r = runner().add(list(), att);
    runner().del(list(), att);
    expect(order("DEL")).toEqual(["c", "b", "a"]);
    for (const c of calls.filter((x) => x.command === "DEL")) expect(c.conf["prevResult"]).toEqual(r);
    expect(existsSync(join(cacheDir, "results", "net1-ctr1-eth0"))).toBe(false);
  });

  it("sends no prevResult without a cache file, or below 0.4.0 even with one", () => {
    runner().del(list(), att);
    runner().add(list({}, "0.3.1"), att);
    runner().del(list({}, "0.3.1"), att);
    expect(calls.filter((c) => c.command === "DEL").map((c) => "prevResult" in c.conf)).toEqual([false, false, false, false, false, false]);
  });

  it("stops at a failing plugin and keeps the cache for the retry", () => {
    runner().add(list(), att);
    replies["b:DEL"] = { code: 1, stdout: JSON.stringify({ code: 11, msg: "busy" }) };
    expect(catchError(() => runner().del(list(), att)).code).toBe(11);
    expect(order("DEL")).toEqual(["c", "b"]);
    expect(existsSync(join(cacheDir, "results", "net1-ctr1-eth0"))).toBe(true);
  });

  it("drops an unreadable cache record and deletes without prevResult", () => {
    runner().add(list(), att);
    writeFileSync(join(cacheDir, "results", "net1-ctr1-eth0"), JSON.stringify({ kind: "cniCacheV1", result: 5 }));
    runner().del(list(), att);
    expect(calls.filter((c) => c.command === "DEL").every((c) => !("prevResult" in c.conf))).toBe(true);
  });

  it("gives the cached result in the list's version when the list changed version", () => {
    writeFileSync(join(binDir, "d"), "");
    const l = (v: string) => parseConflist({ cniVersion: v, name: "n2", plugins: [{ type: "d" }] });
    replies["d:ADD"] = { stdout: JSON.stringify({ cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.0.0.2/24", interface: 0 }] }) };
    runner().add(l("1.1.0"), att);
    runner().del(l("0.4.0"), att);
    expect(calls.at(-1)?.conf["prevResult"]).toEqual({ cniVersion: "0.4.0", interfaces: [{ name: "eth0" }], ips: [{ version: "4", address: "10.0.0.2/24", interface: 0 }], dns: {} });
  });
});

describe("CHECK", () => {
  it("runs the plugins in order with the cached ADD result", () => {
    const r = runner().add(list(), att);
    runner().check(list(), att);
    expect(order("CHECK")).toEqual(["a", "b", "c"]);
    expect(calls.filter((c) => c.command === "CHECK").map((c) => c.conf["prevResult"])).toEqual([r, r, r]);
  });

  it("is refused below 0.4.0 and skipped with disableCheck, without any exec", () => {
    expect(() => runner().check(list({}, "0.3.1"), att)).toThrow('configuration version "0.3.1" does not support the CHECK command');
    runner().check(list({ disableCheck: true }), att);
    expect(calls).toEqual([]);
  });
});

describe("GC, STATUS, VERSION", () => {
  it("GC deletes cached attachments not in the valid list, then GCs every plugin with the valid list", () => {
    runner().add(list(), att);
    runner().add(list(), { ...att, containerId: "ctr2" });
    calls = [];
    runner().gc(list(), [{ containerID: "ctr2", ifname: "eth0" }]);
    expect(calls.map((c) => `${c.command} ${c.plugin} ${c.inv.containerId}`)).toEqual(["DEL c ctr1", "DEL b ctr1", "DEL a ctr1", "GC a ", "GC b ", "GC c "]);
    expect(calls[0]?.inv.args).toBe("IgnoreUnknown=1;K=V");
    expect(calls.at(-1)?.conf).toMatchObject({ name: "net1", cniVersion: "1.1.0", "cni.dev/valid-attachments": [{ containerID: "ctr2", ifname: "eth0" }] });
    expect(existsSync(join(cacheDir, "results", "net1-ctr1-eth0"))).toBe(false);
    expect(existsSync(join(cacheDir, "results", "net1-ctr2-eth0"))).toBe(true);
  });

  it("GC goes on after a failing plugin and reports every error", () => {
    replies["a:GC"] = { code: 1, stdout: JSON.stringify({ code: 100, msg: "x" }) };
    replies["c:GC"] = { code: 1, stdout: JSON.stringify({ code: 101, msg: "y" }) };
    const e = catchError(() => runner().gc(list(), []));
    expect(order("GC")).toEqual(["a", "b", "c"]);
    expect(e.errors.map((x) => x.code)).toEqual([100, 101]);
  });

  it("GC does nothing with disableGC, and sends no GC below 1.1.0", () => {
    runner().gc(list({ disableGC: true }), []);
    runner().gc(list({}, "1.0.0"), []);
    expect(calls).toEqual([]);
  });

  it("STATUS asks each plugin in order and stops at the first error; below 1.1.0 it asks none", () => {
    runner().status(list({}, "1.0.0"));
    expect(calls).toEqual([]);
    replies["b:STATUS"] = { code: 1, stdout: JSON.stringify({ code: 50, msg: "not ready" }) };
    expect(catchError(() => runner().status(list())).code).toBe(50);
    expect(order("STATUS")).toEqual(["a", "b"]);
    expect(calls[0]?.inv.containerId).toBe("");
  });

  it("VERSION sends libcni's dummy netns, ifname and path and reads supportedVersions", () => {
    replies["a:VERSION"] = { stdout: JSON.stringify({ cniVersion: "1.1.0", supportedVersions: ["1.0.0", "1.1.0"] }) };
    expect(runner().version("a")).toEqual({ cniVersion: "1.1.0", supportedVersions: ["1.0.0", "1.1.0"] });
    expect([calls[0]?.inv.netns, calls[0]?.inv.ifname, calls[0]?.inv.path, calls[0]?.conf]).toEqual(["dummy", "dummy", "dummy", { cniVersion: "1.1.0" }]);
  });
});

export function catchError(f: () => unknown): ConflistError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConflistError) return e;
    throw e;
  }
  throw new Error("expected a ConflistError");
}
