/**
 * The network config a plugin receives on stdin (SPEC.md section 1, "Plugin configuration
 * objects"; libcni's types.PluginConf). Only the keys the spec defines are checked; the rest
 * belong to the plugin and pass through untouched.
 */
import * as z from "zod/mini";
import { CniError, CniErrorCode } from "./errors";
import { dnsSchema } from "./result-parts";
import { VERSION_WHEN_ABSENT } from "./version";
import { describeZodError } from "./zod-issue";

/** libcni's cniValidNameChars; also used for container ids and plugin names. */
export const CNI_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$/;

/** A name that libcni would accept, with a message that shows the offending value. */
export function cniName() {
  return z.string().check(
    z.minLength(1, "must not be empty"),
    z.regex(CNI_NAME, {
      error: (iss) =>
        `has invalid characters: ${JSON.stringify(iss.input)} (letters, digits, "_", "." and "-", starting with a letter or digit)`,
    }),
  );
}

const jsonObject = z.record(z.string(), z.unknown());

export const netConfSchema = z.looseObject({
  /** libcni reads a config without one as 0.1.0; the version check then decides. */
  cniVersion: z._default(z.string(), VERSION_WHEN_ABSENT),
  /**
   * A conflist's list of versions (SPEC.md 1.1.0). Choosing among them is the runtime's job,
   * which then sets `cniVersion`; a plugin config may still carry it, so it is checked and
   * passed through, never used to pick a version.
   */
  cniVersions: z.optional(z.array(z.string())),
  name: cniName(),
  type: z.string().check(z.minLength(1, "must not be empty")),
  args: z.optional(jsonObject),
  ipMasq: z.optional(z.boolean()),
  ipam: z.optional(z.looseObject({ type: z.optional(z.string()) })),
  dns: z.optional(dnsSchema),
  prevResult: z.optional(jsonObject),
  runtimeConfig: z.optional(jsonObject),
  capabilities: z.optional(z.record(z.string(), z.boolean())),
  /** Only on GC: the attachments that are still valid. */
  "cni.dev/valid-attachments": z.optional(z.array(z.looseObject({ containerID: z.string(), ifname: z.string() }))),
});

export type NetConf = z.infer<typeof netConfSchema>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Deepest nesting of arrays and objects a config may have: the plugins' JSON parser (the
 * SDK's JSON_MAX_DEPTH) refuses deeper, and the host's own recursive steps (JSON.stringify of
 * a rewritten config, zod) would overflow the stack on a 1 MiB `[[[[...` long before.
 */
export const JSON_MAX_DEPTH = 128;

/** True when `value` nests deeper than `max`; iterative, so it cannot overflow itself. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Parses JSON text into an object, or fails with code 6 (decode) saying what it got. */
export function decodeJsonObject(text: string | Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === "string" ? text : utf8.decode(text));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CniError(CniErrorCode.DECODE_FAILURE, `${what} is not valid JSON: ${why}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw new CniError(CniErrorCode.DECODE_FAILURE, `${what} must be a JSON object, got ${got}`);
  }
  if (nestsDeeperThan(value, JSON_MAX_DEPTH)) {
    throw new CniError(CniErrorCode.DECODE_FAILURE, `${what} nests arrays or objects deeper than ${JSON_MAX_DEPTH} levels`);
  }
  return value as Record<string, unknown>;
}

/** Validates a decoded config: code 7 naming the first bad field. */
export function validateNetConf(value: Record<string, unknown>): NetConf {
  const parsed = netConfSchema.safeParse(value);
  if (!parsed.success) {
    throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, describeZodError("network config", parsed.error));
  }
  return parsed.data;
}

/** JSON text (stdin) → validated config; code 6 if it is not a JSON object, 7 if invalid. */
export function parseNetConf(text: string | Uint8Array): NetConf {
  return validateNetConf(decodeJsonObject(text, "network config"));
}
