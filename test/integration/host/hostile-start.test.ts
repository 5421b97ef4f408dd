// Limits that hold from the first instruction: a plugin whose top-level code (the Wasm start
// function) never returns is stopped at its time limit, as the main plugin or as a delegate;
// a module whose tables could grow without bound is refused at load; a small module's trap is
// reported as the panic it is, not as running out of memory.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AuditLine } from "../../../host/runtime/audit";
import { cniExec } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { HandPlugin } from "../../helpers/hand-plugin";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { createNetns, ipJson, type TestNetns } from "../../helpers/netns";

const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-start-"));
let pluginDir: string;
let handDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["spin-start", "delegate-spin", "trap-small"]);
  handDir = tmp();
  new HandPlugin("growable-table").write(handDir, [], { tables: [{ min: 1 }] });
  new HandPlugin("many-tables").write(handDir, [], { tables: Array.from({ length: 64 }, () => ({ min: 0, max: 2_000 })) });
  policy = join(tmp(), "policy.json");
  writeFileSync(policy, JSON.stringify({
    plugins: {
      "spin-start": { interfaces: [], timeLimitMs: 300 },
      "delegate-spin": { interfaces: ["netns", "link", "ipam"], delegates: ["spin-start"], timeLimitMs: 300 },
      "trap-small": { interfaces: [] },
      "growable-table": { interfaces: [] },
      "many-tables": { interfaces: [] },
    },
  }));
}, 180_000);

const namespaces: TestNetns[] = [];
afterEach(() => namespaces.splice(0).forEach((ns) => ns.remove()));

function add(plugin: string, opts: { netns?: TestNetns; dir?: string; config?: Record<string, unknown> } = {}) {
  const audit = join(tmp(), "audit.jsonl");
  const r = cniExec({
    binary: HOST_BIN,
    command: "ADD",
    containerId: "ctr1",
    netns: opts.netns?.path ?? "/run/netns/none",
    ifname: "eth0",
    config: { cniVersion: "1.1.0", name: "start", type: "wasm-cni", plugin, ...opts.config },
    env: { WASM_CNI_PLUGIN_DIR: opts.dir ?? pluginDir, WASM_CNI_POLICY: policy, WASM_CNI_AUDIT_LOG: audit },
  });
  return { r, audit: (): AuditLine => JSON.parse(readFileSync(audit, "utf8")) as AuditLine };
}

function expectCniError(r: ReturnType<typeof cniExec>, msg: RegExp): void {
  expect(r.json, r.stderr).toMatchObject({ cniVersion: "1.1.0", code: 999, msg: expect.stringMatching(msg) });
  expect(r.code).toBe(1);
  expect(r.stdout).not.toMatch(/\n\s+at /);
}

describe("limits from the start function on", () => {
  it("top-level code that never returns is stopped at the time limit (timeLimitMs), audited", () => {
    const { r, audit } = add("spin-start");
    expectCniError(r, /plugin "spin-start" start function: plugin ran longer than its time limit of 300 ms and was stopped/);
    expect(r.ms).toBeLessThan(5_000);
    expect(audit().denials).toContainEqual({ plugin: "spin-start", fn: "limit", reason: expect.stringMatching(/^timeLimitMs: /) });
  });

  it("a delegate whose top-level code never returns is stopped at the caller's time limit, and the caller's change is undone", () => {
    const c = createNetns("start");
    namespaces.push(c);
    execFileSync("ip", ["-n", c.name, "link", "set", "lo", "down"]);
    const { r, audit } = add("delegate-spin", { netns: c, config: { ipam: { type: "spin-start" } } });
    expectCniError(r, /plugin "delegate-spin" .*ran longer than its time limit of 300 ms/);
    expect(r.ms).toBeLessThan(5_000);
    expect(audit().denials).toContainEqual({ plugin: "delegate-spin", fn: "limit", reason: expect.stringMatching(/^timeLimitMs: /) });
    const [lo] = ipJson<{ flags: string[] }[]>(c, ["link", "show", "lo"]);
    expect(lo?.flags).not.toContain("UP");
  });

  it("a table without a maximum is refused at load (tableElements), audited as a limit", () => {
    const { r, audit } = add("growable-table", { dir: handDir });
    expectCniError(r, /plugin "growable-table" declares no maximum for its table 0/);
    expect(audit().denials).toContainEqual({ plugin: "growable-table", fn: "limit", reason: expect.stringMatching(/^tableElements: /) });
  });

  it("64 tables whose maxima add up past the host's maximum are refused at load", () => {
    expectCniError(add("many-tables", { dir: handDir }).r, /plugin "many-tables" declares tables of up to 128000 elements in all, above the host's maximum of 65536/);
  });

  it("a small module's ordinary trap is reported as the panic it is, not as out of memory", () => {
    const { r } = add("trap-small");
    expectCniError(r, /^plugin "trap-small" panicked in add: Index out of range \(at ~lib\/array\.ts:\d+:\d+\)$/);
  });
});
