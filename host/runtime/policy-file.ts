import { readFileSync } from "node:fs";
import * as z from "zod/mini";
import { CniError, CniErrorCode } from "../cni/errors";
import { describeZodError } from "../cni/zod-issue";
import { parseCidr } from "../kernel/rtnl/inet";
import { DEFAULT_LIMITS, type Grant, LINK_KINDS } from "./policy";

function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** A sysctl key pattern: net.<segments>, where a segment "*" stands for one interface name. */
export const SYSCTL_PATTERN = /^net(\.([a-z0-9_-]+|\*))+$/;
const SYSCTL_PATTERN_MESSAGE = 'must be a key such as "net.ipv4.ip_forward" or a pattern such as "net.ipv6.conf.*.accept_ra"';

/** Where the operator's policy lives unless WASM_CNI_POLICY names another file. */
export const DEFAULT_POLICY_PATH = "/etc/cni/wasm-cni/policy.json";

/** Built on first use: most nodes have no policy file, and zod schemas cost time to build. */
function buildPolicySchema() {
  const grantSchema = z.strictObject({
    interfaces: z.array(z.string()),
    hostNetns: z._default(z.boolean(), false),
    delegates: z._default(z.array(z.string()), []),
    /** Deny by default: a plugin that creates links must list their kinds. */
    linkKinds: z._default(z.array(z.enum(LINK_KINDS as [string, ...string[]])), []),
    parentTakeover: z.optional(z.boolean()),
    hostRoutes: z.optional(z.array(z.string().check(z.refine(isCidr, 'must be a CIDR such as "10.22.0.0/16" or "fd00:22::/64"')))),
    hostRouteTables: z.optional(z.array(z.int().check(z.minimum(1), z.maximum(0xffffffff)))),
    sysctlKeys: z._default(z.array(z.string().check(z.regex(SYSCTL_PATTERN, SYSCTL_PATTERN_MESSAGE))), []),
    sysctlFromConfig: z.optional(z.boolean()),
    timeLimitMs: z._default(z.int().check(z.minimum(1), z.maximum(600_000)), DEFAULT_LIMITS.timeLimitMs),
    /** 65536 pages is all a 32-bit memory can hold (4 GiB). */
    memoryPages: z._default(z.int().check(z.minimum(1), z.maximum(65_536)), DEFAULT_LIMITS.memoryPages),
    maxStringBytes: z._default(z.int().check(z.minimum(1), z.maximum(2 ** 30)), DEFAULT_LIMITS.maxStringBytes),
    maxHostCalls: z._default(z.int().check(z.minimum(1), z.maximum(10_000_000)), DEFAULT_LIMITS.maxHostCalls),
    /** 1 GiB at most: past that V8's heap would give out first. */
    maxHostBytes: z._default(z.int().check(z.minimum(1), z.maximum(2 ** 30)), DEFAULT_LIMITS.maxHostBytes),
    storeBytesPerCall: z._default(z.int().check(z.minimum(0), z.maximum(2 ** 30)), DEFAULT_LIMITS.storeBytesPerCall),
    storeKeysPerBucket: z._default(z.int().check(z.minimum(0), z.maximum(16_777_216)), DEFAULT_LIMITS.storeKeysPerBucket),
    storeValueBytes: z._default(z.int().check(z.minimum(0), z.maximum(2 ** 24)), DEFAULT_LIMITS.storeValueBytes),
    sha256: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be a sha256 in lower-case hex (64 characters)"))),
  });

  const policySchema = z.strictObject({
    /** Grants by plugin name; they replace the built-in grant of a plugin of the same name. */
    plugins: z.record(z.string(), grantSchema),
    /** Absolute path of the audit log (one JSON line per call); WASM_CNI_AUDIT_LOG overrides it. */
    auditLog: z.optional(z.string().check(z.regex(/^\//, "must be an absolute path"))),
  });
  return policySchema;
}
let policySchema: ReturnType<typeof buildPolicySchema> | undefined;

/** The whole policy file: grants by plugin, and where the audit log goes (absent: off). */
export interface PolicyFile {
  plugins: Record<string, Grant>;
  auditLog?: string;
}

/**
 * The operator's grants: { "plugins": { "<name>": { "interfaces": [...], "hostNetns": bool,
 * "delegates": [...], "linkKinds": [...], "parentTakeover": bool, "hostRoutes": [cidr...], "hostRouteTables": [id...], "sysctlKeys": [...],
 * "timeLimitMs": n, "memoryPages": n, "maxStringBytes": n, "maxHostCalls": n, "maxHostBytes": n,
 * "storeBytesPerCall": n, "storeKeysPerBucket": n, "storeValueBytes": n,
 * "sha256": hex } } } (limits left out take DEFAULT_LIMITS; linkKinds and sysctlKeys left out are none). A missing file means no extra grants; a broken
 * one fails every call (code 7) rather than running plugins under a policy nobody wrote.
 */
export function readPolicy(env: Record<string, string | undefined>): Record<string, Grant> {
  return readPolicyFile(env).plugins;
}

/** The policy file read and checked, as readPolicy describes; a missing default file is empty. */
export function readPolicyFile(env: Record<string, string | undefined>): PolicyFile {
  const path = env.WASM_CNI_POLICY || DEFAULT_POLICY_PATH;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && !env.WASM_CNI_POLICY) return { plugins: {} };
    throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, `policy ${path} cannot be read: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, `policy ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = (policySchema ??= buildPolicySchema()).safeParse(value);
  if (!parsed.success) throw new CniError(CniErrorCode.INVALID_NETWORK_CONFIG, describeZodError(`policy ${path}`, parsed.error));
  const { plugins, auditLog } = parsed.data;
  return auditLog === undefined ? { plugins } : { plugins, auditLog };
}
