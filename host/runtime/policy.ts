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
  /** The component's sha256 (hex), when the operator pins it; any other component is refused. */
  sha256?: string;
}

export const DEFAULT_TIME_LIMIT_MS = 5_000;

const BUILTIN: Record<string, Grant> = {
  loopback: { interfaces: ["netns", "link", "addr", "log"], hostNetns: false, delegates: [], timeLimitMs: DEFAULT_TIME_LIMIT_MS },
  "host-local": { interfaces: ["store", "log"], hostNetns: false, delegates: [], timeLimitMs: DEFAULT_TIME_LIMIT_MS },
  bridge: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "log", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    timeLimitMs: DEFAULT_TIME_LIMIT_MS,
  },
  ptp: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "log", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    timeLimitMs: DEFAULT_TIME_LIMIT_MS,
  },
  static: { interfaces: [], hostNetns: false, delegates: [], timeLimitMs: DEFAULT_TIME_LIMIT_MS },
  macvlan: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    timeLimitMs: DEFAULT_TIME_LIMIT_MS,
  },
  ipvlan: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    timeLimitMs: DEFAULT_TIME_LIMIT_MS,
  },
  vlan: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: true,
    delegates: ["host-local", "static"],
    timeLimitMs: DEFAULT_TIME_LIMIT_MS,
  },
  dummy: {
    interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
    hostNetns: false,
    delegates: ["host-local", "static"],
    timeLimitMs: DEFAULT_TIME_LIMIT_MS,
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
