/**
 * The audit log: one JSON line per CNI call that reaches a plugin, with every host call the
 * plugin and its delegates made (arguments and outcome), what was denied, and how the call
 * ended, so that "what did plugin X change on this node" is a `jq` query.
 *
 * Cheap by construction: the file is opened once at the start of the call (O_APPEND, so
 * concurrent calls never interleave: the kernel appends each write whole) and written with one
 * write at the end. Opening at the start makes the log fail closed: when the operator asked
 * for one and it cannot be opened, the call fails before any plugin runs. A write that fails
 * at the end only warns: the kernel work is done and failing would hide it from the runtime.
 */
import { closeSync, constants, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { HostCallRecord } from "../caps/context";
import type { KubernetesPod } from "../cli/cni-args";
import type { CniCall } from "../cli/plugin-runner";
import { CniError, CniErrorCode, toCniError } from "../cni/errors";
import { AbiTrap } from "./abi/lift-lower";
import { GuestPanic, type PanicReport } from "./guest-panic";
import { GuestStringError } from "./guest-strings";
import { LimitError } from "./limits";
import { GrantError } from "./policy";

/** The environment variable naming the audit log; it wins over the policy file's `auditLog`. */
export const AUDIT_LOG_ENV = "WASM_CNI_AUDIT_LOG";

/** One host function call, as the plugin made it. */
export interface AuditCall {
  plugin: string;
  /** "link.create", as `wasm-cni caps` names it. */
  fn: string;
  /** Truncated as AUDIT_STRING_CHARS says; ARGS_LEFT_OUT once the line's AUDIT_LINE_ARG_CHARS are used up. */
  args: unknown[];
  /** "ok", or the WIT error: "denied: ...", "not-found: ...", "exists: ...", "kernel: ...". */
  outcome: string;
  ms: number;
}

/**
 * Something the host refused: a host call answered `denied`, a plugin that failed its grant,
 * or a plugin stopped at one of its limits.
 */
export interface AuditDenial {
  plugin: string;
  /**
   * The host function; "load" when the component's imports or grant were refused; "limit"
   * when it hit a limit (the reason names the grant key: memoryPages, maxHostCalls, ...);
   * "abi" when it broke the canonical ABI or handed the host a string that is not UTF-8.
   */
  fn: string;
  reason: string;
}

/**
 * What the audit line holds of what a plugin passed, so that the line is always written (a
 * plugin could otherwise make it longer than V8's longest string, and JSON.stringify throw):
 * each string of an argument (and each outcome, reason and error) at most AUDIT_STRING_CHARS,
 * marked "…(N chars)"; each list at most AUDIT_LIST_ITEMS, then "…(N more)"; nesting at most
 * AUDIT_DEPTH; the arguments of the whole line at most AUDIT_LINE_ARG_CHARS (JSON), later calls
 * listed with ARGS_LEFT_OUT; at most AUDIT_CALLS calls and denials, the rest counted in `omitted`.
 */
export const AUDIT_STRING_CHARS = 4096;
export const AUDIT_LIST_ITEMS = 256;
export const AUDIT_DEPTH = 8;
export const AUDIT_LINE_ARG_CHARS = 1_048_576;
export const AUDIT_CALLS = 100_000;
export const ARGS_LEFT_OUT: readonly unknown[] = Object.freeze(["…(left out: the line's arguments reached 1 MiB)"]);

/** What the audit line names of a call: a CNI call, or a controller's reconcile (run-controller.ts). */
export type AuditedCall = Pick<CniCall, "pluginName" | "containerId" | "netns" | "ifname" | "pod"> & {
  command: CniCall["command"] | "RECONCILE";
  config: { name: string };
};

export interface AuditLine {
  /** When the call started, ISO 8601 UTC. */
  time: string;
  plugin: string;
  /** sha256 of the main plugin's component as built (meta.json); null when it never loaded. */
  sha256: string | null;
  /** Every component the call loaded (the plugin and its delegates) → sha256. */
  components: Record<string, string>;
  verb: AuditedCall["command"];
  containerId: string;
  netns: string | null;
  ifname: string;
  /** The network config's `name`. */
  network: string;
  pod?: KubernetesPod;
  /** What the netns ids in `calls[].args` stand for: "0" → "host" or "container". */
  namespaces: Record<string, "host" | "container">;
  calls: AuditCall[];
  denials: AuditDenial[];
  /** Calls and denials left out past AUDIT_CALLS; present only when some were. */
  omitted?: { calls: number; denials: number };
  durationMs: number;
  /** 0 on success, else the CNI error code the runtime got. */
  code: number;
  error?: string;
  /**
   * When the call ended in a guest panic: the plugin, and the message, file, line and column
   * its abort handler left (the guest's words, bounded and escaped: guest-panic.ts).
   */
  panic?: { plugin: string } & PanicReport;
}

/** Where to write, or undefined when auditing is off (the default). */
export function auditLogPath(env: Record<string, string | undefined>, policyAuditLog: () => string | undefined): string | undefined {
  return env[AUDIT_LOG_ENV] || policyAuditLog() || undefined;
}

export interface AuditLog {
  path: string;
  /** Appends the line and closes the file; throws when the write fails. */
  write(line: AuditLine): void;
}

/**
 * Opens `path` for appending (0600; its directory, one level, is made 0750 when missing, as
 * for /var/log/wasm-cni); CNI 999 when it cannot.
 */
export function openAuditLog(path: string): AuditLog {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT; // libuv adds O_CLOEXEC
  let fd: number;
  try {
    try {
      fd = openSync(path, flags, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // One level only: Node's recursive mkdir can spin forever under /proc (seen on Node 20).
      mkdirSync(dirname(path), { mode: 0o750 });
      fd = openSync(path, flags, 0o600);
    }
  } catch (e) {
    throw new CniError(CniErrorCode.INTERNAL, `audit log ${path} cannot be opened: ${(e as Error).message}`, undefined, { cause: e });
  }
  return {
    path,
    write(line) {
      try {
        // One write(2): with O_APPEND the line lands whole even when calls run concurrently.
        writeSync(fd, Buffer.from(`${serialize(line)}\n`));
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** The line as JSON; if that still fails, a minimal line saying why (the call is never left out). */
function serialize(line: AuditLine): string {
  try {
    return JSON.stringify(line);
  } catch (e) {
    const { time, plugin, sha256, verb, containerId, netns, ifname, network, durationMs, code, error } = line;
    return JSON.stringify({
      time, plugin, sha256, verb, containerId, netns, ifname, network, calls: [], denials: [], durationMs, code, error,
      auditError: `the full line could not be written: ${clip(String((e as Error)?.message ?? e))}`,
    });
  }
}

/** A string cut to AUDIT_STRING_CHARS, marked with its length. */
function clip(s: string): string {
  return s.length > AUDIT_STRING_CHARS ? `${s.slice(0, AUDIT_STRING_CHARS)}…(${s.length} chars)` : s;
}

/** A value a plugin passed, bounded as AUDIT_STRING_CHARS says; bigints as decimal strings. */
export function auditValue(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return clip(v);
  if (typeof v === "bigint") return v.toString();
  if (v === null || typeof v !== "object") return v;
  if (depth >= AUDIT_DEPTH) return "…";
  if (Array.isArray(v)) {
    const out = v.slice(0, AUDIT_LIST_ITEMS).map((x) => auditValue(x, depth + 1));
    if (v.length > AUDIT_LIST_ITEMS) out.push(`…(${v.length - AUDIT_LIST_ITEMS} more)`);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v).slice(0, AUDIT_LIST_ITEMS)) out[clip(k)] = auditValue(x, depth + 1);
  return out;
}

/** The calls of the line, their arguments bounded per value and for the whole line. */
function auditCalls(records: readonly HostCallRecord[]): AuditCall[] {
  let argChars = 0;
  return records.slice(0, AUDIT_CALLS).map((r): AuditCall => {
    let args = ARGS_LEFT_OUT as unknown[];
    if (argChars <= AUDIT_LINE_ARG_CHARS) {
      const bounded = r.args.map((a) => auditValue(a));
      argChars += JSON.stringify(bounded).length;
      if (argChars <= AUDIT_LINE_ARG_CHARS) args = bounded;
    }
    return { plugin: r.plugin, fn: r.fn, args, outcome: clip(r.outcome), ms: round(r.durationMs) };
  });
}

/** The error of class `kind` behind a failure, following `cause` through the wrappers. */
function causeOf<E extends Error>(e: unknown, kind: abstract new (...args: never[]) => E): E | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    if (c instanceof kind) return c;
  }
  return undefined;
}

/**
 * The plugin the failure `fault` behind `e` came from: the last `plugin "<name>"` named on
 * the way down the causes to it (a delegate's failure is wrapped in its caller's).
 */
function pluginOf(e: unknown, fault: Error, fallback: string): string {
  let plugin = fallback;
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    plugin = /^plugin "([^"]+)"/.exec(c.message)?.[1] ?? plugin;
    if (c === fault) break;
  }
  return plugin;
}

/**
 * The namespace behind each netns id. The call's NamespaceTable (shared with delegates) hands
 * out ids 0, 1, ... in the order netns.container() and netns.host() first succeed, and gives
 * the same id again on a repeat, so the records alone say which id is which.
 */
export function namespaceIds(records: readonly HostCallRecord[]): Record<string, "host" | "container"> {
  const ids: Record<string, "host" | "container"> = {};
  const seen = new Set<string>();
  for (const r of records) {
    if (r.outcome !== "ok" || (r.fn !== "netns.container" && r.fn !== "netns.host")) continue;
    const which = r.fn === "netns.host" ? "host" : "container";
    if (seen.has(which)) continue;
    seen.add(which);
    ids[String(seen.size - 1)] = which;
  }
  return ids;
}

export interface AuditInput {
  call: AuditedCall;
  started: Date;
  /** performance.now() at the start. */
  t0: number;
  /** This call's host-call records (the plugin's and its delegates'). */
  records: readonly HostCallRecord[];
  components: ReadonlyMap<string, string>;
  error?: unknown;
}

export function auditLine(i: AuditInput): AuditLine {
  const calls = auditCalls(i.records);
  const denied = i.records.filter((r) => r.outcome.startsWith("denied:"));
  const denials = denied.slice(0, AUDIT_CALLS)
    .map((c): AuditDenial => ({ plugin: c.plugin, fn: c.fn, reason: clip(c.outcome.replace(/^(denied:\s*)+/, "")) }));
  const omitted = { calls: i.records.length - calls.length, denials: denied.length - denials.length };
  const refused = causeOf(i.error, GrantError);
  if (refused) {
    const plugin = /^plugin "([^"]+)"/.exec(refused.message)?.[1] ?? i.call.pluginName;
    denials.push({ plugin, fn: "load", reason: clip(refused.message) });
  }
  const limit = causeOf(i.error, LimitError);
  if (limit) denials.push({ plugin: limit.plugin, fn: "limit", reason: clip(`${limit.limit}: ${limit.message}`) });
  const abi = causeOf(i.error, AbiTrap) ?? causeOf(i.error, GuestStringError);
  if (abi && !limit) denials.push({ plugin: pluginOf(i.error, abi, i.call.pluginName), fn: "abi", reason: clip(abi.message) });
  const panicked = causeOf(i.error, GuestPanic);
  const err = i.error === undefined ? undefined : toCniError(i.error);
  return {
    time: i.started.toISOString(),
    plugin: i.call.pluginName,
    sha256: i.components.get(i.call.pluginName) ?? null,
    components: Object.fromEntries(i.components),
    verb: i.call.command,
    containerId: i.call.containerId,
    netns: i.call.netns ?? null,
    ifname: i.call.ifname,
    network: i.call.config.name,
    ...(i.call.pod !== undefined && { pod: i.call.pod }),
    namespaces: namespaceIds(i.records),
    calls,
    denials,
    ...((omitted.calls > 0 || omitted.denials > 0) && { omitted }),
    durationMs: round(performance.now() - i.t0),
    code: err === undefined ? 0 : err.code,
    ...(err !== undefined && { error: clip(err.message) }),
    ...(panicked && { panic: { plugin: pluginOf(i.error, panicked, i.call.pluginName), ...panicked.report } }),
  };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
