// A limit hit, an ABI violation, an invalid string or a host call from cabi_realloc or
// cabi_post_* ends the call, whatever the guest does about it: plugins written by hand
// (test/helpers/hand-plugin.ts, as asc emits no exception handling) catch what the host throws
// with Wasm `try`/`catch_all` and carry on. Each call still fails with CNI error 999 naming
// what happened, audits it as a denial, refuses every later host call, and rolls back the
// change the plugin made first (lo set up in the container).
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditLine } from "../../../host/runtime/audit";
import type { CniOutcome } from "../../../tools/cni-exec";
import { HandPlugin } from "../../helpers/hand-plugin";
import { expectCniError, runHostile, tempDir, writePolicy } from "../../helpers/hostile";
import { ip, ipJson, netnsPerTest } from "../../helpers/netns";

let pluginDir: string;
let policy: string;

/** Sets lo up in the container: the change a failed ADD must undo. */
const loUp = (p: HandPlugin): number[] => [...p.call("netns", "container", []), ...p.call("link", "set", [0, "lo", { up: true }])];
const logLine = (p: HandPlugin, msg: string): number[] => p.call("log", "write", ["info", msg]);
/** A host call the audit log records. */
const getLo = (p: HandPlugin): number[] => p.call("link", "get", [0, "lo"]);

const PLUGINS: Record<string, (p: HandPlugin) => { add: number[]; realloc?: number[]; post?: number[] }> = {
  // 50 caught calls against maxHostCalls 10.
  "catch-calls": (p) => ({ add: [...loUp(p), ...p.repeat(50, p.catchAll(getLo(p)))] }),
  // A string outside its memory (an AbiTrap), caught.
  "catch-abi": (p) => ({ add: [...loUp(p), ...p.catchAll(p.callRaw("link", "get", [0, 0xffff_f000, 40])), ...getLo(p)] }),
  // Bytes that are not UTF-8, caught.
  "catch-utf8": (p) => {
    const bad = p.bytes([0x61, 0xff, 0xfe]);
    return { add: [...loUp(p), ...p.catchAll(p.callRaw("link", "get", [0, bad, 3])), ...getLo(p)] };
  },
  // A string over maxStringBytes 64, caught.
  "catch-string": (p) => ({ add: [...loUp(p), ...p.catchAll(p.call("link", "get", [0, "x".repeat(100)])), ...getLo(p)] }),
  // cabi_realloc calls the host (and catches the refusal); the host calls realloc to pass the request.
  "realloc-calls": (p) => ({ add: [...loUp(p), ...getLo(p)], realloc: p.catchAll(logLine(p, "in realloc")) }),
  // cabi_post_add calls the host (and catches the refusal), after add set lo up and returned ok.
  "post-calls": (p) => ({ add: loUp(p), post: p.catchAll(logLine(p, "in post")) }),
};

beforeAll(() => {
  pluginDir = tempDir("sticky");
  for (const [name, build] of Object.entries(PLUGINS)) {
    const p = new HandPlugin(name);
    const { add, ...opts } = build(p);
    p.write(pluginDir, add, opts);
  }
  const grant = { interfaces: ["netns", "link", "log"], maxHostCalls: 10, maxStringBytes: 64 };
  policy = writePolicy(Object.fromEntries(Object.keys(PLUGINS).map((n) => [n, grant])));
});

const netns = netnsPerTest();

function addIn(plugin: string): { r: CniOutcome; audit: AuditLine; lo: string[] } {
  const c = netns("sticky");
  ip(c, "link", "set", "lo", "down");
  const r = runHostile({ plugin, pluginDir, policy, netns: c, config: { name: "sticky" } });
  const [lo] = ipJson<{ flags: string[] }[]>(c, ["link", "show", "lo"]);
  return { r, audit: r.audit(), lo: lo?.flags ?? [] };
}

function expectFailed(r: CniOutcome, msg: RegExp): void {
  expectCniError(r, 999, msg);
  expect(r.ms).toBeLessThan(10_000);
}

describe("what the host throws into a guest sticks, whatever the guest catches", () => {
  it("a caught maxHostCalls stop still fails the call, audited as a limit denial, and lo is down again", () => {
    const { r, audit, lo } = addIn("catch-calls");
    expectFailed(r, /plugin "catch-calls" called link\.get after its limit of maxHostCalls 10 host calls per verb was used up/);
    expect(audit.denials).toContainEqual({ plugin: "catch-calls", fn: "limit", reason: expect.stringMatching(/^maxHostCalls: /) });
    expect(audit.calls.filter((c) => c.fn === "link.get").length).toBe(8); // 10 with netns.container and link.set
    expect(lo).not.toContain("UP");
  });

  it("a caught ABI violation (a string outside memory) still fails the call as a trap, audited", () => {
    const { r, audit, lo } = addIn("catch-abi");
    expectFailed(r, /plugin "catch-abi" trapped in add: a string at 4294963200 \(\+40 bytes\) lies outside the plugin's memory/);
    expect(audit.denials).toContainEqual({ plugin: "catch-abi", fn: "abi", reason: expect.stringMatching(/lies outside the plugin's memory/) });
    expect(audit.calls.some((c) => c.fn === "link.get")).toBe(false); // the call after the violation was refused too
    expect(lo).not.toContain("UP");
  });

  it("a caught invalid UTF-8 string still fails the call, audited", () => {
    const { r, audit, lo } = addIn("catch-utf8");
    expectFailed(r, /plugin "catch-utf8" handed the host a string that is not valid UTF-8/);
    expect(audit.denials).toContainEqual({ plugin: "catch-utf8", fn: "abi", reason: expect.stringMatching(/not valid UTF-8/) });
    expect(audit.calls.some((c) => c.fn === "link.get")).toBe(false);
    expect(lo).not.toContain("UP");
  });

  it("a caught maxStringBytes stop still fails the call, audited as a limit denial", () => {
    const { r, audit, lo } = addIn("catch-string");
    expectFailed(r, /plugin "catch-string" handed the host a string of 100 bytes .*over its limit of maxStringBytes 64/);
    expect(audit.denials).toContainEqual({ plugin: "catch-string", fn: "limit", reason: expect.stringMatching(/^maxStringBytes: /) });
    expect(audit.calls.some((c) => c.fn === "link.get")).toBe(false);
    expect(lo).not.toContain("UP");
  });

  it("a host call from cabi_realloc is refused and fails the call, even when realloc catches the refusal", () => {
    const { r, audit } = addIn("realloc-calls");
    expectFailed(r, /plugin "realloc-calls" trapped in add: plugin realloc-calls called cni:host\/log@0\.1\.0#write from cabi_realloc, where the canonical ABI allows no host call/);
    expect(audit.denials).toContainEqual({ plugin: "realloc-calls", fn: "abi", reason: expect.stringMatching(/from cabi_realloc/) });
    expect(audit.calls).toEqual([]); // refused from the first: the fault came while the host passed the request
  });

  it("a host call from cabi_post_add is refused and fails the ADD, which is rolled back", () => {
    const { r, audit, lo } = addIn("post-calls");
    expectFailed(r, /plugin "post-calls" trapped in add: .*called cni:host\/log@0\.1\.0#write from cabi_post_add/);
    expect(audit.denials).toContainEqual({ plugin: "post-calls", fn: "abi", reason: expect.stringMatching(/from cabi_post_add/) });
    expect(lo).not.toContain("UP");
  });
});
