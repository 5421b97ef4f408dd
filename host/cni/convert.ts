/**
 * Result conversion between spec versions, after libcni's types/internal/convert.go. Instead
 * of one converter per (from, to) pair, every version converts to and from the current one
 * (a hub), so adding 0.4.0 means one entry here, not one per pair.
 */
import type * as z from "zod/mini";
import { CniError, CniErrorCode } from "./errors";
import { CURRENT_VERSION, SUPPORTED_VERSIONS, isSupportedVersion, type SupportedVersion } from "./version";
import { resultV100Schema, resultV110Schema, type ResultV110 } from "./v100";
import { describeZodError, fieldPath } from "./zod-issue";

/** The result shape plugins produce and the host works with. */
export type CurrentResult = ResultV110;

/** The JSON object printed on stdout for ADD: the result in the config's version. */
export type VersionedResult = { cniVersion: string } & Record<string, unknown>;

interface VersionEntry {
  /** Validates a result of this version and lifts it to the current version. */
  toCurrent(raw: unknown): z.core.util.SafeParseResult<CurrentResult>;
  /** Lowers a current result to this version (without `cniVersion`). */
  fromCurrent(result: CurrentResult): Record<string, unknown>;
}

/**
 * Keyed by SupportedVersion so that a version without converters fails tsc. 1.0.0 is a subset
 * of 1.1.0: going down strips the 1.1.0-only fields (libcni keeps them; a 1.0.0 runtime has
 * no use for them and SPEC.md 1.0.0 does not define them).
 */
const CONVERTERS: Record<SupportedVersion, VersionEntry> = {
  "1.0.0": {
    toCurrent: (raw) => resultV100Schema.safeParse(raw),
    fromCurrent: (result) => resultV100Schema.parse(result),
  },
  "1.1.0": {
    toCurrent: (raw) => resultV110Schema.safeParse(raw),
    fromCurrent: (result) => result,
  },
};

/** Converts a valid current result to `toVersion`, stamped with that version first. */
export function convertResult(result: CurrentResult, toVersion: SupportedVersion): VersionedResult {
  const { cniVersion: _from, ...rest } = CONVERTERS[toVersion].fromCurrent(result);
  return { cniVersion: toVersion, ...rest };
}

/** A result's own `cniVersion`, or `fallback` when it has none (libcni's GetAsVersion). */
function versionOf(raw: unknown, fallback: string): unknown {
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw) && "cniVersion" in raw) {
    return raw.cniVersion ?? fallback;
  }
  return fallback;
}

/** Where a result sits, for messages: `network config: field "prevResult.ips[0]..."`. */
interface Origin {
  what: string;
  under: string[];
}

/** Validates `raw` in its own version and lifts it; on failure returns why, for a message. */
function toCurrent(raw: unknown, fallbackVersion: string, origin: Origin): CurrentResult | { why: string } {
  const version = versionOf(raw, fallbackVersion);
  if (typeof version !== "string" || !isSupportedVersion(version)) {
    const field = fieldPath([...origin.under, "cniVersion"]);
    const lead = origin.what === "" ? "" : `${origin.what}: `;
    return { why: `${lead}field "${field}" is ${JSON.stringify(version)}, not one of ${JSON.stringify(SUPPORTED_VERSIONS)}` };
  }
  const parsed = CONVERTERS[version].toCurrent(raw);
  return parsed.success ? parsed.data : { why: describeZodError(origin.what, parsed.error, origin.under) };
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
  if (raw === undefined) throw new CniError(CniErrorCode.INTERNAL, `plugin ${pluginName} returned no result for ADD`);
  const current = toCurrent(raw, CURRENT_VERSION, { what: "", under: [] });
  if ("why" in current) throw invalidResult(pluginName, current.why);
  const why = badInterfaceIndex(current);
  if (why !== undefined) throw invalidResult(pluginName, why);
  return convertResult(current, toVersion);
}

function invalidResult(pluginName: string, why: string): CniError {
  return new CniError(CniErrorCode.INTERNAL, `plugin ${pluginName} returned an invalid result: ${why}`);
}

/**
 * Lifts a config's `prevResult` to the current version, so that plugins see one shape only.
 * The runtime sent it, so a bad one is an invalid network config (7).
 */
export function prevResultToCurrent(raw: unknown, configVersion: SupportedVersion): CurrentResult {
  const current = toCurrent(raw, configVersion, { what: "network config", under: ["prevResult"] });
  if ("why" in current) throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, current.why);
  return { ...current, cniVersion: CURRENT_VERSION };
}
