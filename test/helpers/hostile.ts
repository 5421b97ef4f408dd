// What the hostile tests share: a call of a fixture through the host binary (bin/wasm-cni) as a
// runtime execs it, under a policy file of the test's own and with an audit log of the call's
// own, and the check that it failed as a runtime expects (a CNI error, no stack trace).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { AuditLine } from "../../host/runtime/audit";
import { cniExec, type CniInvocation, type CniOutcome } from "../../tools/cni-exec";
import { HOST_BIN } from "./fixtures";
import type { TestNetns } from "./netns";

/** A fresh directory under the system's temp dir, named after what it holds. */
export function tempDir(label = "hostile"): string {
  return mkdtempSync(join(tmpdir(), `wasm-cni-${label}-`));
}

/** Writes `{ plugins: grants, ...extra }` to a policy file of its own and returns its path. */
export function writePolicy(grants: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const path = join(tempDir("policy"), "policy.json");
  writeFileSync(path, JSON.stringify({ plugins: grants, ...extra }));
  return path;
}

export interface HostileCall {
  /** The plugin the config names (`plugin`), a directory holding it and the policy file. */
  plugin: string;
  pluginDir: string;
  policy: string;
  /** Default ADD. */
  command?: CniInvocation["command"];
  /** CNI_NETNS: a namespace or a path; default /run/netns/none. */
  netns?: TestNetns | string;
  /** The namespace the binary runs in (the call's host); default the sandbox's. */
  host?: TestNetns;
  /** Default ctr1. */
  containerId?: string;
  /** Over `{ cniVersion: "1.1.0", name: "hostile", type: "wasm-cni", plugin }`. */
  config?: Record<string, unknown>;
  /** Over WASM_CNI_PLUGIN_DIR, WASM_CNI_POLICY and WASM_CNI_AUDIT_LOG. */
  env?: Record<string, string>;
}

export interface HostileOutcome extends CniOutcome {
  /** The call's line in its audit log (the last one); throws when none was written. */
  audit(): AuditLine;
}

/** One call of `plugin` through the host binary, with an audit log of its own. */
export function runHostile(c: HostileCall): HostileOutcome {
  const log = join(tempDir("audit"), "audit.jsonl");
  const r = cniExec({
    binary: HOST_BIN, command: c.command ?? "ADD", containerId: c.containerId ?? "ctr1", ifname: "eth0",
    netns: typeof c.netns === "object" ? c.netns.path : c.netns ?? "/run/netns/none",
    ...(c.host && { inNetns: c.host.name }),
    config: { cniVersion: "1.1.0", name: "hostile", type: "wasm-cni", plugin: c.plugin, ...c.config },
    env: { WASM_CNI_PLUGIN_DIR: c.pluginDir, WASM_CNI_POLICY: c.policy, WASM_CNI_AUDIT_LOG: log, ...c.env },
  });
  return { ...r, audit: () => JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!) as AuditLine };
}

/** The call failed as a runtime expects: exit 1, the CNI error JSON with `code` and a `msg` matching, no stack trace. */
export function expectCniError(r: CniOutcome, code: number, msg: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.json).toMatchObject({ cniVersion: "1.1.0", code, msg: expect.stringMatching(msg) });
  expect(r.stdout).not.toMatch(/\n\s+at /); // no stack trace where the runtime reads
}
