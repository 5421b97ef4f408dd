import { BUILTIN_CAPABILITIES } from "../generated/builtin-grants";
import type { LinkKind } from "../generated/interfaces/cni-host-link";
import {
  DEFAULT_MAX_HOST_BYTES, DEFAULT_MAX_HOST_CALLS, DEFAULT_MAX_STRING_BYTES, DEFAULT_MEMORY_PAGES, DEFAULT_STORE_BYTES_PER_CALL,
  DEFAULT_STORE_KEYS_PER_BUCKET, DEFAULT_STORE_VALUE_BYTES,
} from "./limits";

/** Link kinds link.create can make: the cases of WIT `link-kind` (tsc keeps them in step). */
export const LINK_KINDS = Object.keys(
  { veth: 0, bridge: 0, macvlan: 0, ipvlan: 0, vlan: 0, dummy: 0, tap: 0, ifb: 0, vrf: 0, vxlan: 0 } satisfies Record<LinkKind["tag"], 0>,
) as readonly LinkKind["tag"][];

/**
 * What a plugin may do. The import list of a component is what it asks for; a grant is what
 * the operator allows. Anything imported but not granted fails the load, naming the
 * capability. The plugins we ship have built-in grants; the operator's policy file
 * (policy-file.ts) adds or overrides grants per plugin; every other plugin is denied.
 */
export interface Grant {
  /** WIT interfaces of cni:host the plugin may import, e.g. "link". */
  interfaces: readonly string[];
  /** May open the host's network namespace (netns.host). */
  hostNetns: boolean;
  /** IPAM plugins it may delegate to (ipam.*: the one the runtime's config names in ipam.type). */
  delegates: readonly string[];
  /** Kinds of link it may create (link.create), in any namespace it holds. */
  linkKinds: readonly string[];
  /**
   * May make a link that takes its parent over (a macvlan in passthru mode) on a host link it
   * did not create, when the config names that link as `master`. Absent: no (the default route's
   * link, taken when the config names no master, is never taken over).
   */
  parentTakeover?: boolean;
  /**
   * Destinations (CIDRs) of routes it may add, replace or delete in the host netns besides the
   * address ranges its config names (ipam subnets and ranges, static addresses, prevResult ips).
   */
  hostRoutes?: readonly string[];
  /** Routing tables (ids) it may use in the host netns besides main (254). */
  hostRouteTables?: readonly number[];
  /**
   * sysctl keys it may read and write, as patterns ("net.ipv4.ip_forward",
   * "net.ipv6.conf.*.accept_ra"); a key must also be on the host's own allowlist (sysctl.ts).
   */
  sysctlKeys: readonly string[];
  /**
   * May also read and write, in the container's netns only, any net.* key the runtime's config
   * names in `sysctl` or `args.cni.sysctl` (IFNAME read as CNI_IFNAME), as tuning does; the
   * scope comes from the config, never from the plugin (caps/sysctl-config.ts). Absent: no.
   */
  sysctlFromConfig?: boolean;
  /** CPU time per call. */
  timeLimitMs: number;
  /** Largest linear memory the component may declare, in 64 KiB pages (limits.ts). */
  memoryPages: number;
  /** Largest string the plugin may hand the host: its result, an error, a host-call argument. */
  maxStringBytes: number;
  /** Host function calls per verb, log.write included. */
  maxHostCalls: number;
  /**
   * Bytes of host memory one call may take from its plugins (host-bytes.ts): strings and
   * lists lifted, audit records kept. The main plugin's applies to its delegates too.
   */
  maxHostBytes: number;
  /** Bytes (keys and values) store.put may write in one call. */
  storeBytesPerCall: number;
  /** Keys one store bucket may hold; store.put of a new key past it is refused. */
  storeKeysPerBucket: number;
  /** Bytes of one store value. */
  storeValueBytes: number;
  /** The component's sha256 (hex), when the operator pins it; any other component is refused. */
  sha256?: string;
}

export const DEFAULT_TIME_LIMIT_MS = 5_000;

/** The limits every built-in grant has, and a policy entry gets for the keys it leaves out. */
export const DEFAULT_LIMITS = {
  timeLimitMs: DEFAULT_TIME_LIMIT_MS,
  memoryPages: DEFAULT_MEMORY_PAGES,
  maxStringBytes: DEFAULT_MAX_STRING_BYTES,
  maxHostCalls: DEFAULT_MAX_HOST_CALLS,
  maxHostBytes: DEFAULT_MAX_HOST_BYTES,
  storeBytesPerCall: DEFAULT_STORE_BYTES_PER_CALL,
  storeKeysPerBucket: DEFAULT_STORE_KEYS_PER_BUCKET,
  storeValueBytes: DEFAULT_STORE_VALUE_BYTES,
} as const satisfies Partial<Grant>;

/** What a plugin's manifest.json states of its grant (manifest-grant.ts); the rest are limits. */
export type GrantCapabilities = Pick<Grant, "interfaces" | "hostNetns" | "delegates" | "linkKinds" | "sysctlKeys"> & Partial<Pick<Grant, "timeLimitMs" | "sysctlFromConfig">>;

/** The grant of a plugin whose manifest states `caps`: those, and the default limits for the rest. */
export const grantFromCapabilities = (caps: GrantCapabilities): Grant => ({ ...DEFAULT_LIMITS, ...caps });

/**
 * The plugins we ship: each one's grant is what its guest-plugins/<name>/manifest.json states,
 * compiled into host/generated/builtin-grants.ts by the build, so that `wasm-cni inspect` and
 * the host agree by construction and a call reads no manifest.
 */
const BUILTIN: Readonly<Record<string, Grant>> = Object.fromEntries(
  Object.entries(BUILTIN_CAPABILITIES).map(([name, caps]) => [name, grantFromCapabilities(caps)]),
);

/** The names of the plugins with a built-in grant. */
export const BUILTIN_PLUGINS: readonly string[] = Object.keys(BUILTIN);

/** A plugin asked for a capability it was not granted, or has no grant at all. */
export class GrantError extends Error {
  override readonly name = "GrantError";
}

/** The grant for a plugin; throws GrantError for a plugin with none. */
export function grantFor(plugin: string, extra: Readonly<Record<string, Grant>> = {}): Grant {
  const grant = Object.hasOwn(extra, plugin) ? extra[plugin] : Object.hasOwn(BUILTIN, plugin) ? BUILTIN[plugin] : undefined;
  if (!grant) throw new GrantError(`plugin "${plugin}" has no grant in the policy (deny by default)`);
  return grant;
}

/** Fails when the component imports an interface its grant does not hold. */
export function checkImports(plugin: string, imports: readonly string[], grant: Grant): void {
  const denied = imports.filter((i) => !grant.interfaces.includes(i));
  if (denied.length > 0) {
    throw new GrantError(
      `plugin "${plugin}" imports ${denied.map((d) => `cni:host/${d}`).join(", ")}, which its grant does not allow (granted: ${grant.interfaces.join(", ")})`,
    );
  }
}
