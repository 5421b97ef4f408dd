/**
 * The grant a manifest states: what the build compiles into the built-in grants of the plugins
 * we ship (tools/builtin-grants.ts) and what `wasm-cni inspect` compares a plugin's grant with.
 * One function for both, so the two cannot read a manifest differently. What the manifest
 * leaves out is not granted (no interfaces, no host netns, ...) and the limits are the defaults.
 */
import type { Manifest } from "./manifest";
// Types only: the build runs this before host/generated/builtin-grants.ts (which policy.ts reads) exists.
import type { GrantCapabilities } from "./policy";

export function manifestCapabilities(m: Manifest): GrantCapabilities {
  const c = m.capabilities;
  return {
    interfaces: c.interfaces ?? [],
    hostNetns: c.hostNetns ?? false,
    delegates: c.delegates ?? [],
    linkKinds: c.linkKinds ?? [],
    sysctlKeys: c.sysctl ?? [],
    ...(c.sysctlFromConfig === true && { sysctlFromConfig: true }),
    ...(c.timeLimitMs !== undefined && { timeLimitMs: c.timeLimitMs }),
  };
}
