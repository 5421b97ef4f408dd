// The limits of issue #5: a plugin that grows its memory without end, returns 100 MiB, hands
// the host invalid UTF-8 or calls host functions 10^6 times is stopped with CNI error 999
// naming the limit, in bounded time; what it changed in the namespace is undone; the host
// process goes on serving calls. A component without a memory maximum is refused at load.
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../host/cli/dispatch";
import { loadNative } from "../../../host/kernel/native";
import { DEFAULT_LIMITS, type Grant } from "../../../host/runtime/policy";
import { createRunner } from "../../../host/runtime/run-plugin";
import { createDiskStore } from "../../../host/store/disk";
import { pollingLocker } from "../../../host/store/lock";
import { expectCniError, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures, buildPluginUnderTest } from "../../helpers/plugin-under-test";
import { ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

const GRANTS: Record<string, Partial<Grant> & { interfaces: string[] }> = {
  grow: { interfaces: ["netns", "link"], linkKinds: ["veth"] },
  flood: { interfaces: ["netns", "link", "log"], linkKinds: ["veth"] },
  "raw-result": { interfaces: ["netns", "link", "log"], linkKinds: ["veth"], memoryPages: 2048 },
  unbounded: { interfaces: [] },
  hoard: { interfaces: ["netns", "link"], linkKinds: ["veth"] },
};

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  await buildPluginUnderTest("loopback"); // same folder: the well-behaved call after the hostile ones
  pluginDir = await buildFixtures(Object.keys(GRANTS));
  policy = writePolicy(GRANTS);
}, 180_000);

const newNetns = netnsPerTest();
const netns = (): TestNetns => newNetns("lim");

function add(plugin: string, ns: TestNetns | undefined, config: Record<string, unknown> = {}, pol = policy) {
  return runHostile({ plugin, pluginDir, policy: pol, netns: ns, config: { name: "limits", ...config } });
}

/** Links, addresses and routes of the namespace, as `ip -j` reports them. */
function state(ns: TestNetns): unknown {
  return {
    links: ipJson(ns, ["link", "show"]),
    addrs: ipJson(ns, ["addr", "show"]),
    routes: ipJson(ns, ["route", "show", "table", "all"]),
  };
}

describe("limits on hostile plugins", () => {
  it("a plugin that grows its memory without end stops at its maximum (memoryPages), and its veth is undone", () => {
    const c = netns();
    const before = state(c);
    const r = add("grow", c);
    expectCniError(r, 999, /plugin "grow" ran out of memory: .*maximum of 256 pages \(16 MiB; grant memoryPages\).*\(in add: unreachable\)/);
    expect(r.ms).toBeLessThan(10_000);
    expect(state(c)).toEqual(before);
  });

  it("a 100 MiB result is refused before it is decoded (maxStringBytes), and the veth is undone", () => {
    const c = netns();
    const before = state(c);
    const r = add("raw-result", c, { mode: "huge" });
    expectCniError(r, 999, /plugin "raw-result" handed the host a string of 104857600 bytes \(100 MiB; .*over its limit of maxStringBytes 1048576 \(1 MiB\)/);
    expect(r.ms).toBeLessThan(10_000);
    expect(state(c)).toEqual(before);
  });

  it.each(["invalid-utf8", "log-invalid-utf8"])("a string that is not UTF-8 (%s) is CNI error 999, and the veth is undone", (mode) => {
    const c = netns();
    const before = state(c);
    expectCniError(add("raw-result", c, { mode }), 999, /plugin "raw-result" handed the host a string that is not valid UTF-8/);
    expect(state(c)).toEqual(before);
  });

  it.each([["link.get", "calls"], ["log.write", "log"]])("10^6 calls of %s stop at maxHostCalls with a limit denial in the audit log, and the veth is undone", (fn, mode) => {
    const c = netns();
    const before = state(c);
    const r = add("flood", c, { mode });
    expectCniError(r, 999, new RegExp(`plugin "flood" called ${fn} after its limit of maxHostCalls 10000 host calls per verb was used up`));
    expect(r.ms).toBeLessThan(10_000);
    expect(state(c)).toEqual(before);
    const line = r.audit();
    expect(line).toMatchObject({ plugin: "flood", code: 999, denials: [{ plugin: "flood", fn: "limit", reason: expect.stringMatching(/^maxHostCalls: /) }] });
    expect(line.calls.filter((call) => call.fn === "link.get").length).toBeLessThanOrEqual(10_000);
    expect(line.calls.some((call) => call.fn.startsWith("undo link.create"))).toBe(true);
  });

  it("a host call with a list of 1,500,000 elements (12 MB of the plugin's memory) stops at maxHostBytes before it is lifted, and the veth is undone", () => {
    const c = netns();
    const before = state(c);
    const r = add("hoard", c);
    expectCniError(r, 999, /plugin "hoard" made the host take more than its limit of maxHostBytes 16777216 \(16 MiB\) in one call/);
    expect(r.ms).toBeLessThan(10_000);
    expect(state(c)).toEqual(before);
    const line = r.audit();
    expect(line.denials).toContainEqual({ plugin: "hoard", fn: "limit", reason: expect.stringMatching(/^maxHostBytes: /) });
  });

  it("a policy's maxHostBytes is the budget of the call", () => {
    const tight = writePolicy({ ...GRANTS, flood: { ...GRANTS.flood, maxHostBytes: 4096 } });
    const r = add("flood", netns(), {}, tight);
    expectCniError(r, 999, /plugin "flood" made the host take more than its limit of maxHostBytes 4096 \(4 KiB\) in one call/);
  });

  it("a policy's maxHostCalls applies per plugin", () => {
    const tight = writePolicy({ ...GRANTS, flood: { ...GRANTS.flood, maxHostCalls: 5 } });
    const r = add("flood", netns(), {}, tight);
    expectCniError(r, 999, /called link\.get after its limit of maxHostCalls 5 host calls/);
  });

  it("a component whose memory declares no maximum is refused at load, naming the limit", () => {
    expectCniError(add("unbounded", undefined), 999, /plugin "unbounded" declares no maximum for its linear memory; .*memoryPages 256/);
  });

  it("a component whose memory maximum is above its grant is refused at load", () => {
    const small = writePolicy({ ...GRANTS, "raw-result": { ...GRANTS["raw-result"], memoryPages: 1024 } });
    const c = netns();
    const before = state(c);
    const r = add("raw-result", c, { mode: "invalid-utf8" }, small);
    expectCniError(r, 999, /plugin "raw-result" declares a linear memory of up to 2048 pages \(128 MiB\), above its grant of memoryPages 1024 \(64 MiB\)/);
    expect(state(c)).toEqual(before); // nothing ran
  });

  it("a policy with a memoryPages a 32-bit memory cannot have fails with code 7", () => {
    const r = add("grow", undefined, {}, writePolicy({ grow: { interfaces: [], memoryPages: 65_537 } }));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7, msg: expect.stringMatching(/plugins\.grow\.memoryPages/) });
  });

  it("one host process serves a good call after every kind of limit hit (in process, the binary's runner)", async () => {
    const native = loadNative();
    const grants = Object.fromEntries(Object.entries(GRANTS).map(([name, g]) => [name, { hostNetns: false, delegates: [], linkKinds: [], sysctlKeys: [], ...DEFAULT_LIMITS, ...g }]));
    const runner = createRunner({
      pluginDir,
      native: () => native,
      store: createDiskStore(pollingLocker((fd) => native.flock(fd, "ex", false), 4_000)),
      policy: () => grants,
      log: () => {},
      mark: () => {},
    });
    const c = netns();
    const call = async (plugin: string, mode = ""): Promise<{ code: number; json: { code?: number; msg?: string } }> => {
      const out: string[] = [];
      const env = { CNI_COMMAND: "ADD", CNI_CONTAINERID: "ctr1", CNI_NETNS: c.path, CNI_IFNAME: "eth0", CNI_PATH: "/nonexistent" };
      const stdin = Buffer.from(JSON.stringify({ cniVersion: "1.1.0", name: "limits", type: "wasm-cni", plugin, ...(mode && { mode }) }));
      const code = await runCli({ argv0: "wasm-cni", env, stdin: () => stdin, stdout: (s) => void out.push(s), stderr: () => {} }, runner);
      runner.records.length = 0;
      return { code, json: JSON.parse(out.join("")) as { code?: number; msg?: string } };
    };
    const before = state(c);
    for (const [plugin, mode, msg] of [
      ["grow", "", /ran out of memory/],
      ["raw-result", "huge", /maxStringBytes/],
      ["raw-result", "invalid-utf8", /not valid UTF-8/],
      ["flood", "", /maxHostCalls/],
      ["hoard", "", /maxHostBytes/],
    ] as const) {
      const r = await call(plugin, mode);
      expect(r, `${plugin} ${mode}`).toMatchObject({ code: 1, json: { code: 999, msg: expect.stringMatching(msg) } });
    }
    expect(state(c)).toEqual(before);
    c.exec("ip", ["link", "set", "lo", "down"]); // for the good call to change
    const good = await call("loopback");
    expect(good.code).toBe(0);
    const [lo] = ipJson<{ flags: string[] }[]>(c, ["link", "show", "lo"]);
    expect(lo?.flags).toContain("UP");
  }, 60_000);
});
