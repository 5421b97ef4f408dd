// A guest panic says what happened: the SDK's abort handler leaves the message, file, line and
// column in a record the host reads after the trap (guest-plugins/sdk/abi/abort.ts,
// host/runtime/guest-panic.ts). The record is the guest's to write, so hand-written plugins
// (test/helpers/hand-plugin.ts) point it outside memory, fill it with bytes that are not text,
// or leave it set while a host limit ends the call: the host reads a bounded, escaped message
// or none, and its own faults and limits still win.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditLine } from "../../../host/runtime/audit";
import { cniExec } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { HandPlugin } from "../../helpers/hand-plugin";
import { op } from "../../helpers/wasm-builder";
import { buildFixtures } from "../../helpers/plugin-under-test";

const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-panic-"));
let pluginDir: string;
let handDir: string;
let policy: string;

/** The panic record (host/runtime/guest-panic.ts): kind, message ptr/len, file ptr/len, line, column. */
function record(p: HandPlugin, r: { kind: number; msg: [number, number]; file: [number, number]; line: number; column: number }): number {
  const words = [r.kind, ...r.msg, ...r.file, r.line, r.column];
  const bytes = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => bytes.writeUInt32LE(w >>> 0, i * 4));
  return p.bytes(bytes);
}

const HAND: Record<string, (p: HandPlugin) => { add: number[]; globals: Record<string, number> }> = {
  // Message and file far outside its memory, with lengths of 4 GiB.
  "panic-outside": (p) => ({
    add: [...op.unreachable],
    globals: { wasm_cni_panic: record(p, { kind: 2, msg: [0xffff_f000, 0xffff_ffff], file: [0, 0xffff_ffff], line: 1, column: 2 }) },
  }),
  // Bytes that are not UTF-8, with an escape sequence and a newline.
  "panic-bytes": (p) => ({
    add: [...op.unreachable],
    globals: { wasm_cni_panic: record(p, { kind: 2, msg: [p.bytes([0x61, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x62]), 9], file: p.string("f.ts"), line: 3, column: 4 }) },
  }),
  // A record of a kind the host does not know: an ordinary trap.
  "panic-kind": (p) => ({
    add: [...op.unreachable],
    globals: { wasm_cni_panic: record(p, { kind: 7, msg: p.string("nope"), file: p.string("f.ts"), line: 1, column: 1 }) },
  }),
  // A record left set by a call that then succeeds: no panic.
  "panic-ok": (p) => ({
    add: [],
    globals: { wasm_cni_panic: record(p, { kind: 2, msg: p.string("not a panic"), file: p.string("f.ts"), line: 1, column: 1 }) },
  }),
  // 50 caught host calls against maxHostCalls 10, then a panic that blames something else.
  "panic-limit": (p) => ({
    add: [...p.repeat(50, p.catchAll(p.call("log", "write", ["info", "x"]))), ...op.unreachable],
    globals: { wasm_cni_panic: record(p, { kind: 2, msg: p.string("all is fine"), file: p.string("f.ts"), line: 1, column: 1 }) },
  }),
};

beforeAll(async () => {
  pluginDir = await buildFixtures(["panic", "panic-unregistered", "panic-start"]);
  handDir = tmp();
  for (const [name, build] of Object.entries(HAND)) {
    const p = new HandPlugin(name);
    const { add, globals } = build(p);
    p.write(handDir, add, { globals });
  }
  const none = { interfaces: [] as string[] };
  policy = join(tmp(), "policy.json");
  writeFileSync(policy, JSON.stringify({
    plugins: {
      panic: none,
      "panic-unregistered": none,
      "panic-start": none,
      ...Object.fromEntries(Object.keys(HAND).map((n) => [n, { interfaces: ["log"], maxHostCalls: 10 }])),
    },
  }));
}, 180_000);

function add(plugin: string, opts: { dir?: string; config?: Record<string, unknown> } = {}) {
  const auditPath = join(tmp(), "audit.jsonl");
  const r = cniExec({
    binary: HOST_BIN,
    command: "ADD",
    containerId: "ctr1",
    netns: "/run/netns/none",
    ifname: "eth0",
    config: { cniVersion: "1.1.0", name: "panics", type: "wasm-cni", plugin, ...opts.config },
    env: { WASM_CNI_PLUGIN_DIR: opts.dir ?? pluginDir, WASM_CNI_POLICY: policy, WASM_CNI_AUDIT_LOG: auditPath },
  });
  return { r, audit: (): AuditLine => JSON.parse(readFileSync(auditPath, "utf8")) as AuditLine };
}

function expectPanic(r: ReturnType<typeof cniExec>, msg: RegExp, details: RegExp): void {
  expect(r.json, r.stderr).toMatchObject({ cniVersion: "1.1.0", code: 999, msg: expect.stringMatching(msg), details: expect.stringMatching(details) });
  expect(r.code).toBe(1);
  expect(r.stdout).not.toMatch(/\n\s+at /);
  expect(r.ms).toBeLessThan(10_000);
}

describe("a guest panic names its message and where it happened", () => {
  it("throw new Error(\"boom\") ends as CNI 999 'panicked in add: boom' with the file and line, in the error and the audit line", () => {
    const { r, audit } = add("panic", { config: { mode: "throw" } });
    expectPanic(r, /^plugin "panic" panicked in add: boom \(at panic\.ts:\d+:\d+\)$/, /^boom \(at panic\.ts:\d+:\d+\)$/);
    const line = audit();
    expect(line.code).toBe(999);
    expect(line.error).toMatch(/panicked in add: boom/);
    expect(line.panic).toMatchObject({ plugin: "panic", message: "boom", file: "panic.ts", line: expect.any(Number), column: expect.any(Number) });
    expect(line.denials).toEqual([]); // the plugin's own failure, not something the host refused
  });

  it("an array index out of range names AssemblyScript's message and its place in the standard library", () => {
    const { r } = add("panic", { config: { mode: "index" } });
    expectPanic(r, /^plugin "panic" panicked in add: Index out of range \(at ~lib\/array\.ts:\d+:\d+\)$/, /^Index out of range \(at ~lib\/array\.ts:\d+:\d+\)$/);
  });

  it(".value of an err Result names the SDK's message", () => {
    const { r } = add("panic", { config: { mode: "value" } });
    expectPanic(r, /^plugin "panic" panicked in add: Result\.value read on an err \(at ~lib\/@wasm-cni\/sdk\/abi\/result\.ts:\d+:\d+\)$/, /^Result\.value read on an err \(at .*result\.ts:\d+:\d+\)$/);
  });

  it("a forgotten register() says that the plugin registered no handler", () => {
    const { r } = add("panic-unregistered");
    expectPanic(r, /^plugin "panic-unregistered" panicked in add: .*register\(\).* \(at ~lib\/@wasm-cni\/sdk\/bindings\/plugin-world\.ts:\d+:\d+\)$/, /register\(\).*plugin-world\.ts/);
  });

  it("a panic in top-level code is a plain trap in the start function (its memory never came to be)", () => {
    const { r, audit } = add("panic-start");
    expect(r.json, r.stderr).toMatchObject({ code: 999, msg: expect.stringMatching(/^plugin "panic-start" trapped in start function: unreachable/) });
    expect(audit().panic).toBeUndefined();
  });

  it("a call that does not panic succeeds as before", () => {
    const { r } = add("panic", { config: { mode: "none" } });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe("the panic record is the guest's text: bounded, escaped, never trusted", () => {
  it("a message of a million characters is cut, marked with its length", () => {
    const { r, audit } = add("panic", { config: { mode: "huge" } });
    expectPanic(r, /^plugin "panic" panicked in add: x{1024}…\(cut at 1024 of 1000000 characters\) \(at panic\.ts:1:1\)$/, /^x{1024}…\(cut at 1024 of 1000000 characters\) \(at panic\.ts:1:1\)$/);
    expect((audit().panic?.message ?? "").length).toBeLessThan(1100);
  });

  it("control characters and a newline are escaped and a lone surrogate replaced, so the message cannot pose as another line", () => {
    const { r, audit } = add("panic", { config: { mode: "nasty" } });
    const msg = String((r.json as { msg: string }).msg);
    expect(msg).toBe('plugin "panic" panicked in add: plugin "other" ok\\x1b[31mred\\x0a\ufffdz (at fi\\x0ale.ts:7:9)');
    // Attributed to the plugin that panicked, whatever its message says.
    expect(audit().panic).toEqual({ plugin: "panic", message: 'plugin "other" ok\\x1b[31mred\\x0a\ufffdz', file: "fi\\x0ale.ts", line: 7, column: 9 });
  });

  it("bytes that are not UTF-8 become replacement characters, escapes escaped", () => {
    const { r } = add("panic-bytes", { dir: handDir });
    expectPanic(r, /^plugin "panic-bytes" panicked in add: a\ufffd\ufffd\\x1b\[2J\\x0ab \(at f\.ts:3:4\)$/, /^a\ufffd\ufffd\\x1b\[2J\\x0ab \(at f\.ts:3:4\)$/);
  });

  it("a record pointing outside memory gives a panic without a message, not a host error", () => {
    const { r } = add("panic-outside", { dir: handDir });
    expectPanic(r, /^plugin "panic-outside" panicked in add: \(its message lies outside its memory\) \(at \(its file name lies outside its memory\):1:2\)$/, /:1:2\)$/);
  });

  it("a record of an unknown kind is ignored: an ordinary trap", () => {
    const { r, audit } = add("panic-kind", { dir: handDir });
    // (A hand plugin's memory is at its maximum, so the host takes the trap for the allocator's.)
    expect(r.json, r.stderr).toMatchObject({ code: 999, msg: expect.stringMatching(/^plugin "panic-kind" (trapped|ran out of memory).*unreachable/) });
    expect(String((r.json as { msg: string }).msg)).not.toMatch(/panicked|nope/);
    expect(audit().panic).toBeUndefined();
  });

  it("a record left set by a verb that returns ok is not a panic", () => {
    const { r } = add("panic-ok", { dir: handDir });
    expect(r.code, r.stderr).toBe(0);
  });

  it("a limit hit before the panic wins: the call fails with maxHostCalls, audited as a limit denial", () => {
    const { r, audit } = add("panic-limit", { dir: handDir });
    expect(r.json, r.stderr).toMatchObject({ code: 999, msg: expect.stringMatching(/maxHostCalls 10/) });
    expect(String((r.json as { msg: string }).msg)).not.toMatch(/all is fine|panicked/);
    const line = audit();
    expect(line.denials).toContainEqual({ plugin: "panic-limit", fn: "limit", reason: expect.stringMatching(/^maxHostCalls: /) });
    expect(line.panic).toBeUndefined();
  });
});
