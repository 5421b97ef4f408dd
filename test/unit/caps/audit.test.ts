import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HostCallRecord } from "../../../host/caps/context";
import type { CniCall } from "../../../host/cli/plugin-runner";
import { CniError } from "../../../host/cni/errors";
import {
  ARGS_LEFT_OUT, AUDIT_CALLS, AUDIT_LIST_ITEMS, AUDIT_LOG_ENV, AUDIT_STRING_CHARS, type AuditLine, auditLine, auditLogPath, openAuditLog,
} from "../../../host/runtime/audit";
import { LimitError } from "../../../host/runtime/limits";
import { GrantError } from "../../../host/runtime/policy";

const call: CniCall = {
  command: "ADD", containerId: "ctr1", netns: "/run/netns/c", ifname: "eth0", args: [], path: [],
  config: { cniVersion: "1.1.0", name: "mynet", type: "bridge" }, rawConfig: "{}", pluginName: "bridge",
  pod: { namespace: "default", name: "web" },
};
const rec = (plugin: string, fn: string, args: unknown[], outcome = "ok"): HostCallRecord => ({ plugin, fn, args, outcome, durationMs: 0.12345 });

describe("audit line", () => {
  const records = [
    rec("bridge", "link.create", [1, { name: "cni0" }]),
    rec("bridge", "netns.host", [], "denied: plugin \"bridge\" is not granted the host network namespace"),
    rec("host-local", "store.put", [0, "10.1.0.2", "ctr1"]),
  ];
  const components = new Map([["bridge", "aa"], ["host-local", "bb"]]);

  it("holds the call, every host call (delegates too) and the denials", () => {
    const line = auditLine({ call, started: new Date(0), t0: performance.now(), records, components });
    expect(line).toMatchObject({
      time: "1970-01-01T00:00:00.000Z", plugin: "bridge", sha256: "aa", components: { bridge: "aa", "host-local": "bb" },
      verb: "ADD", containerId: "ctr1", netns: "/run/netns/c", ifname: "eth0", network: "mynet", pod: { name: "web" }, code: 0,
    });
    expect(line.calls).toEqual([
      { plugin: "bridge", fn: "link.create", args: [1, { name: "cni0" }], outcome: "ok", ms: 0.123 },
      expect.objectContaining({ fn: "netns.host" }),
      expect.objectContaining({ plugin: "host-local", fn: "store.put" }),
    ]);
    expect(line.denials).toEqual([{ plugin: "bridge", fn: "netns.host", reason: "plugin \"bridge\" is not granted the host network namespace" }]);
    expect(line).not.toHaveProperty("error");
  });

  it("says which namespace each netns id is, in the order the host opened them", () => {
    const line = auditLine({
      call, started: new Date(), t0: 0, components,
      records: [
        rec("bridge", "netns.host", []), rec("bridge", "netns.container", [], "netns-gone: x"),
        rec("bridge", "netns.container", []), rec("bridge", "netns.host", []),
      ],
    });
    expect(line.namespaces).toEqual({ "0": "host", "1": "container" });
  });

  it("a failed call has its CNI code and message; a refused grant is a load denial", () => {
    const refused = new GrantError('plugin "host-local" imports cni:host/link, which its grant does not allow');
    const e = new Error("host function ipam.add failed", { cause: new CniError(999, refused.message, undefined, { cause: refused }) });
    const line = auditLine({ call, started: new Date(), t0: performance.now(), records: [], components: new Map(), error: e });
    expect(line).toMatchObject({ code: 999, error: "host function ipam.add failed", sha256: null });
    expect(line.denials).toEqual([{ plugin: "host-local", fn: "load", reason: refused.message }]);
  });

  it("a limit hit, even a delegate's behind wrappers, is a limit denial naming the grant key", () => {
    const hit = new LimitError("host-local", "maxHostCalls", 'plugin "host-local" called store.put after its limit of maxHostCalls 10 host calls per verb was used up');
    const e = new Error("host function ipam.add failed", { cause: new CniError(999, hit.message, undefined, { cause: hit }) });
    const line = auditLine({ call, started: new Date(), t0: performance.now(), records: [], components: new Map(), error: e });
    expect(line.denials).toEqual([{ plugin: "host-local", fn: "limit", reason: `maxHostCalls: ${hit.message}` }]);
  });
});

describe("audit log file", () => {
  it("is off unless the environment or the policy names it; the environment wins", () => {
    expect(auditLogPath({}, () => undefined)).toBeUndefined();
    expect(auditLogPath({}, () => "/p.jsonl")).toBe("/p.jsonl");
    expect(auditLogPath({ [AUDIT_LOG_ENV]: "/e.jsonl" }, () => "/p.jsonl")).toBe("/e.jsonl");
  });

  it("appends one line per call, creating the file 0600 and its directory", () => {
    const path = join(mkdtempSync(join(tmpdir(), "wasm-cni-audit-")), "wasm-cni", "audit.jsonl");
    for (const containerId of ["a", "b"]) {
      openAuditLog(path).write(auditLine({ call: { ...call, containerId }, started: new Date(), t0: 0, records: [], components: new Map() }));
    }
    const lines = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { containerId: string });
    expect(lines.map((l) => l.containerId)).toEqual(["a", "b"]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("that cannot be opened fails the call with 999 before anything runs", () => {
    const file = join(mkdtempSync(join(tmpdir(), "wasm-cni-audit-")), "file");
    writeFileSync(file, "");
    expect(() => openAuditLog(join(file, "audit.jsonl"))).toThrow(/audit log .* cannot be opened: ENOTDIR/);
    expect(() => openAuditLog(join(file, "a", "b", "audit.jsonl"))).toThrow(/cannot be opened/);
  });
});

describe("audit line bounds", () => {
  const line = (records: HostCallRecord[]) => auditLine({ call, started: new Date(0), t0: 0, records, components: new Map() });
  const tmpLog = () => join(mkdtempSync(join(tmpdir(), "wasm-cni-audit-")), "audit.jsonl");

  it("cuts each string of an argument to AUDIT_STRING_CHARS and each list to AUDIT_LIST_ITEMS, marked", () => {
    const long = "x".repeat(10_000);
    const [c] = line([rec("p", "log.write", [long, { name: long, list: Array.from({ length: 300 }, (_, i) => i) }, 5n])]).calls;
    expect(c!.args[0]).toBe(`${"x".repeat(AUDIT_STRING_CHARS)}…(10000 chars)`);
    const o = c!.args[1] as { name: string; list: unknown[] };
    expect(o.name).toHaveLength(AUDIT_STRING_CHARS + "…(10000 chars)".length);
    expect(o.list).toHaveLength(AUDIT_LIST_ITEMS + 1);
    expect(o.list.at(-1)).toBe("…(44 more)");
    expect(c!.args[2]).toBe("5"); // a u64, which JSON.stringify would refuse
  });

  it("leaves out the arguments of later calls once the line's arguments reach 1 MiB", () => {
    const calls = line(Array.from({ length: 400 }, () => rec("p", "link.get", [0, "y".repeat(5_000)]))).calls;
    expect(calls).toHaveLength(400);
    expect(calls[0]!.args[1]).toHaveLength(AUDIT_STRING_CHARS + "…(5000 chars)".length);
    expect(calls[399]!.args).toEqual(ARGS_LEFT_OUT);
    expect(JSON.stringify(calls).length).toBeLessThan(1_200_000);
  });

  it("is written even when the plugin's arguments would be longer than V8's longest string, calls past AUDIT_CALLS counted", () => {
    const big = "z".repeat(1_048_576);
    const records = Array.from({ length: AUDIT_CALLS + 5 }, () => rec("p", "link.get", [0, big], "denied: no"));
    const path = tmpLog();
    openAuditLog(path).write(line(records));
    const written = JSON.parse(readFileSync(path, "utf8")) as AuditLine;
    expect(written.calls).toHaveLength(AUDIT_CALLS);
    expect(written.omitted).toEqual({ calls: 5, denials: 5 });
  });

  it("falls back to a minimal line when the line still cannot be serialised", () => {
    const path = tmpLog();
    const l = line([]);
    openAuditLog(path).write({ ...l, calls: [{ plugin: "p", fn: "f", args: [1n], outcome: "ok", ms: 0 }] });
    const written = JSON.parse(readFileSync(path, "utf8")) as AuditLine & { auditError: string };
    expect(written).toMatchObject({ plugin: "bridge", verb: "ADD", containerId: "ctr1", calls: [], code: 0 });
    expect(written.auditError).toMatch(/the full line could not be written: .*BigInt/);
  });
});
