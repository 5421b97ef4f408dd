/**
 * Result conversion between spec versions, after libcni's types/internal/convert.go. Instead
 * of one converter per (from, to) pair, every version converts to and from the current one
 * (a hub); the shapes themselves live in v020.ts, v040.ts and v100.ts, as libcni's
 * pkg/types/{020,040,100}.
 */
import type * as z from "zod/mini";
import { CniError, CniErrorCode } from "./errors";
import { copyDns } from "./result-parts";
import { liftV020, lowerToV020, resultV020Schema } from "./v020";
import { liftV040, lowerToV040, resultV040Schema } from "./v040";
import { resultV100Schema, resultV110Schema, type ResultV110 } from "./v100";
import { CURRENT_VERSION, SUPPORTED_VERSIONS, isSupportedVersion, type SupportedVersion } from "./version";
import { describeZodError, fieldPath } from "./zod-issue";

/** The result shape plugins produce and the host works with. */
export type CurrentResult = ResultV110;

/** The JSON object printed on stdout for ADD: the result in the config's version. */
export type VersionedResult = { cniVersion: string } & Record<string, unknown>;

type Lifted = { ok: true; result: CurrentResult } | { ok: false; error: z.core.$ZodError };

interface VersionEntry {
  /** The libcni package whose JSON this version shares: only "100" reads like the current one. */
  shape: "020" | "040" | "100";
  /** Validates a result of this version and lifts it to the current version. */
  toCurrent(raw: unknown): Lifted;
  /** Lowers a valid current result to this version (without `cniVersion`); undefined if impossible. */
  fromCurrent(result: CurrentResult): Record<string, unknown> | undefined;
}

/** `schema` is a function so that 0.x schemas are built only when a 0.x result turns up. */
function lifter<T>(schema: () => z.ZodMiniType<T>, lift: (r: T) => CurrentResult): VersionEntry["toCurrent"] {
  return (raw) => {
    const parsed = schema().safeParse(raw);
    return parsed.success ? { ok: true, result: lift(parsed.data) } : { ok: false, error: parsed.error };
  };
}

/**
 * libcni's 1.x MarshalJSON: empty lists are omitted (omitempty) and so is an empty `dns`.
 * 1.0.0 is a subset of 1.1.0: going down strips the 1.1.0-only fields (libcni keeps them; a
 * 1.0.0 runtime has no use for them and SPEC.md 1.0.0 does not define them).
 */
function printedV100(r: CurrentResult): Record<string, unknown> {
  const { cniVersion: _v, interfaces, ips, routes, dns, ...rest } = r;
  const copy = copyDns(dns);
  return {
    ...rest,
    ...(interfaces?.length && { interfaces }),
    ...(ips?.length && { ips }),
    ...(routes?.length && { routes }),
    ...(copy !== undefined && { dns: copy }),
  };
}

const V020: VersionEntry = { shape: "020", toCurrent: lifter(resultV020Schema, liftV020), fromCurrent: lowerToV020 };
const V040: VersionEntry = { shape: "040", toCurrent: lifter(resultV040Schema, liftV040), fromCurrent: lowerToV040 };

/** Keyed by SupportedVersion so that a version without converters fails tsc. */
const CONVERTERS: Record<SupportedVersion, VersionEntry> = {
  "0.1.0": V020,
  "0.2.0": V020,
  "0.3.0": V040,
  "0.3.1": V040,
  "0.4.0": V040,
  "1.0.0": {
    shape: "100",
    toCurrent: lifter(resultV100Schema, (r) => r),
    fromCurrent: (result) => printedV100(resultV100Schema().parse(result)),
  },
  "1.1.0": { shape: "100", toCurrent: lifter(resultV110Schema, (r) => r), fromCurrent: printedV100 },
};

/** True when a result of `version` already reads as a current one (1.0.0 and 1.1.0). */
export function hasCurrentShape(version: SupportedVersion): boolean {
  return CONVERTERS[version].shape === CONVERTERS[CURRENT_VERSION].shape;
}

/**
 * Throws when `toVersion` cannot hold a valid current result: one without an address cannot go
 * below 0.3.0 (code 999 in libcni's words, as skel reports PrintResult's error). Cheap: no
 * schema, so the runner can ask before the call ends, while its changes can still roll back.
 * `source` names the result in the details.
 */
export function checkResultFits(result: CurrentResult, toVersion: SupportedVersion, source = "the result"): void {
  if (CONVERTERS[toVersion].shape === "020" && !result.ips?.length) {
    throw new CniError(
      CniErrorCode.INTERNAL,
      "cannot convert: no valid IP addresses",
      `${source} has no IP address, and a ${toVersion} result (ip4/ip6) needs one`,
    );
  }
}

/** Converts a valid current result to `toVersion` (checkResultFits first), stamped with that version. */
export function convertResult(result: CurrentResult, toVersion: SupportedVersion, source = "the result"): VersionedResult {
  checkResultFits(result, toVersion, source);
  const lowered = CONVERTERS[toVersion].fromCurrent(result);
  if (lowered === undefined) throw new CniError(CniErrorCode.INTERNAL, `${source} cannot be written as a ${toVersion} result`);
  const { cniVersion: _from, ...rest } = lowered;
  return { cniVersion: toVersion, ...rest };
}

/** A result's own `cniVersion`, or `fallback` when it has none or "" (libcni's GetAsVersion). */
function versionOf(raw: unknown, fallback: string): unknown {
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw) && "cniVersion" in raw) {
    const v = raw.cniVersion;
    return v === undefined || v === null || v === "" ? fallback : v;
  }
  return fallback;
}

/** Where a result sits, for messages: `network config: field "prevResult.ips[0]..."`. */
interface Origin {
  what: string;
  under: string[];
}

type Read = { result: CurrentResult; version: SupportedVersion } | { why: string };

/** Validates `raw` in its own version and lifts it; on failure returns why, for a message. */
function toCurrent(raw: unknown, fallbackVersion: string, origin: Origin): Read {
  const version = versionOf(raw, fallbackVersion);
  if (typeof version !== "string" || !isSupportedVersion(version)) {
    const field = fieldPath([...origin.under, "cniVersion"]);
    const lead = origin.what === "" ? "" : `${origin.what}: `;
    return { why: `${lead}field "${field}" is ${JSON.stringify(version)}, not one of ${JSON.stringify(SUPPORTED_VERSIONS)}` };
  }
  const lifted = CONVERTERS[version].toCurrent(raw);
  return lifted.ok ? { result: lifted.result, version } : { why: describeZodError(origin.what, lifted.error, origin.under) };
}

/** `ips[].interface` must point into `interfaces`; a plugin that breaks this has a bug. */
function badInterfaceIndex(result: CurrentResult): string | undefined {
  const count = result.interfaces?.length ?? 0;
  const i = result.ips?.findIndex((ip) => ip.interface !== undefined && ip.interface >= count) ?? -1;
  if (i < 0) return undefined;
  return `field "ips[${i}].interface" must be an index into interfaces (${count} given)`;
}

/**
 * Validates what a plugin returned for ADD and converts it to the config's version. A plugin
 * that breaks the schema has a bug the runtime cannot fix: 999, naming the plugin.
 */
export function convertPluginResult(raw: unknown, pluginName: string, toVersion: SupportedVersion): VersionedResult {
  return convertResult(readPluginResult(raw, pluginName), toVersion, `the result of plugin ${pluginName}`);
}

/** Validates what a plugin returned for ADD (in its own cniVersion) and lifts it to the current version. */
export function readPluginResult(raw: unknown, pluginName: string): CurrentResult {
  if (raw === undefined) throw new CniError(CniErrorCode.INTERNAL, `plugin ${pluginName} returned no result for ADD`);
  const read = toCurrent(raw, CURRENT_VERSION, { what: "", under: [] });
  if ("why" in read) throw invalidResult(pluginName, read.why);
  const why = badInterfaceIndex(read.result);
  if (why !== undefined) throw invalidResult(pluginName, why);
  return read.result;
}

function invalidResult(pluginName: string, why: string): CniError {
  return new CniError(CniErrorCode.INTERNAL, `plugin ${pluginName} returned an invalid result: ${why}`);
}

/** A prevResult lifted to the current version, and the version it arrived in. */
export interface LiftedPrevResult {
  result: CurrentResult;
  fromVersion: SupportedVersion;
}

/**
 * Lifts a config's `prevResult` to the current version, so that plugins see one shape only.
 * It is read in its own `cniVersion`, else the config's (libcni's ParsePrevResult). The
 * runtime sent it, so a bad one is an invalid network config (7).
 */
export function prevResultToCurrent(raw: unknown, configVersion: SupportedVersion): LiftedPrevResult {
  const read = toCurrent(raw, configVersion, { what: "network config", under: ["prevResult"] });
  if ("why" in read) throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, read.why);
  return { result: { ...read.result, cniVersion: CURRENT_VERSION }, fromVersion: read.version };
}
