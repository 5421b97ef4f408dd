/**
 * The sysctl keys the runtime's config names, for a grant with `sysctlFromConfig` (tuning): the
 * keys of its `sysctl` object and of `args.cni.sysctl`, read as the reference tuning plugin
 * reads them (every "." a "/", then the first "IFNAME" the call's CNI_IFNAME), each as its
 * parts joined by "/". A key that leaves net/ or has an empty, "." or ".." part names nothing.
 * Read by the host from the config it passed, never from what the plugin says.
 */
import { sysctlKeyParts } from "../kernel/sysctl";

/** A key as the reference reads it, in the "/" spelling; null when it is no net/ key. */
export function configKey(key: string, ifname: string): string | null {
  const path = key.replaceAll(".", "/").replace("IFNAME", ifname);
  const parts = sysctlKeyParts(path);
  return parts === null ? null : parts.join("/");
}

/** The same key in the "/" spelling, whichever spelling a plugin passed; null when malformed. */
export function canonicalKey(key: string): string | null {
  return sysctlKeyParts(key)?.join("/") ?? null;
}

const objectAt = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The keys of `sysctl` and `args.cni.sysctl` in `config`, for the call's `ifname`. */
export function configSysctlKeys(config: string, ifname: string): Set<string> {
  const out = new Set<string>();
  let c: Record<string, unknown> | undefined;
  try {
    c = objectAt(JSON.parse(config));
  } catch {
    return out; // dispatch parsed it before any plugin ran
  }
  const maps = [objectAt(c?.sysctl), objectAt(objectAt(objectAt(c?.args)?.cni)?.sysctl)];
  for (const m of maps) {
    for (const key of Object.keys(m ?? {})) {
      const k = configKey(key, ifname);
      if (k !== null) out.add(k);
    }
  }
  return out;
}
