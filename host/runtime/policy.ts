import { DEFAULT_MAX_HOST_CALLS, DEFAULT_MAX_STRING_BYTES, DEFAULT_MEMORY_PAGES } from "./limits";

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
  /** IPAM plugins it may delegate to (ipam.add/check/del). */
  delegates: readonly string[];
  /** CPU time per call. */
  timeLimitMs: number;
  /** Largest linear memory the component may declare, in 64 KiB pages (limits.ts). */
  memoryPages: number;
  /** Largest string the plugin may hand the host: its result, an error, a host-call argument. */
  maxStringBytes: number;
  /** Host function calls per verb, log.write included. */
  maxHostCalls: number;
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
} as const satisfies Partial<Grant>;

const BUILTIN: Record<string, Grant> = {
  loopback: { interfaces: ["netns", "link", "addr", "log"], hostNetns: false, delegates: [], ...DEFAULT_LIMITS },
  "host-local": { interfaces: ["store", "log"], hostNetns: false, delegates: [], ...DEFAULT_LIMITS },
  bridge: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "log", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
  ptp: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "log", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
  static: { interfaces: [], hostNetns: false, delegates: [], ...DEFAULT_LIMITS },
  macvlan: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
  ipvlan: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
  vlan: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
  dummy: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: false,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
  // Moves the host link its config names into the container and back: needs the host netns.
  "host-device": {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
  // The tap and the bridge it may join are both in the container netns (as in Go): no host netns.
  tap: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: false,
    delegates: ["host-local", "static"],
    ...DEFAULT_LIMITS,
  },
};

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
