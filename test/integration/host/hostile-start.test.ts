// Limits that hold from the first instruction: a plugin whose top-level code (the Wasm start
// function) never returns is stopped at its time limit, as the main plugin or as a delegate;
// a module whose tables could grow without bound is refused at load; a small module's trap is
// reported as the panic it is, not as running out of memory.
import { beforeAll, describe, expect, it } from "vitest";
import { HandPlugin } from "../../helpers/hand-plugin";
import { expectCniError, runHostile, tempDir, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

let pluginDir: string;
let handDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["spin-start", "delegate-spin", "trap-small"]);
  handDir = tempDir("start");
  new HandPlugin("growable-table").write(handDir, [], { tables: [{ min: 1 }] });
  new HandPlugin("many-tables").write(handDir, [], { tables: Array.from({ length: 64 }, () => ({ min: 0, max: 2_000 })) });
  policy = writePolicy({
    "spin-start": { interfaces: [], timeLimitMs: 300 },
    "delegate-spin": { interfaces: ["netns", "link", "ipam"], delegates: ["spin-start"], timeLimitMs: 300 },
    "trap-small": { interfaces: [] },
    "growable-table": { interfaces: [] },
    "many-tables": { interfaces: [] },
  });
}, 180_000);

const netns = netnsPerTest();

function add(plugin: string, opts: { netns?: TestNetns; dir?: string; config?: Record<string, unknown> } = {}) {
  return runHostile({ plugin, pluginDir: opts.dir ?? pluginDir, policy, netns: opts.netns, config: { name: "start", ...opts.config } });
}

describe("limits from the start function on", () => {
  it("top-level code that never returns is stopped at the time limit (timeLimitMs), audited", () => {
    const r = add("spin-start");
    expectCniError(r, 999, /plugin "spin-start" start function: plugin ran longer than its time limit of 300 ms and was stopped/);
    expect(r.ms).toBeLessThan(5_000);
    expect(r.audit().denials).toContainEqual({ plugin: "spin-start", fn: "limit", reason: expect.stringMatching(/^timeLimitMs: /) });
  });

  it("a delegate whose top-level code never returns is stopped at the caller's time limit, and the caller's change is undone", () => {
    const c = netns("start");
    ip(c, "link", "set", "lo", "down");
    const r = add("delegate-spin", { netns: c, config: { ipam: { type: "spin-start" } } });
    expectCniError(r, 999, /plugin "delegate-spin" .*ran longer than its time limit of 300 ms/);
    expect(r.ms).toBeLessThan(5_000);
    expect(r.audit().denials).toContainEqual({ plugin: "delegate-spin", fn: "limit", reason: expect.stringMatching(/^timeLimitMs: /) });
    const [lo] = ipJson<{ flags: string[] }[]>(c, ["link", "show", "lo"]);
    expect(lo?.flags).not.toContain("UP");
  });

  it("a table without a maximum is refused at load (tableElements), audited as a limit", () => {
    const r = add("growable-table", { dir: handDir });
    expectCniError(r, 999, /plugin "growable-table" declares no maximum for its table 0/);
    expect(r.audit().denials).toContainEqual({ plugin: "growable-table", fn: "limit", reason: expect.stringMatching(/^tableElements: /) });
  });

  it("64 tables whose maxima add up past the host's maximum are refused at load", () => {
    expectCniError(add("many-tables", { dir: handDir }), 999, /plugin "many-tables" declares tables of up to 128000 elements in all, above the host's maximum of 65536/);
  });

  it("a small module's ordinary trap is reported as the panic it is, not as out of memory", () => {
    const r = add("trap-small");
    expectCniError(r, 999, /^plugin "trap-small" panicked in add: Index out of range \(at ~lib\/array\.ts:\d+:\d+\)$/);
  });
});
