/**
 * What a plugin asks for against what its grant gives, one row per capability, with what
 * the host would do: allow, deny (and how the plugin sees it), or limit. The decisions come
 * from the enforcing code itself where it can (the sysctl allowlist is asked through the real
 * cap), so this report cannot promise what the host would refuse.
 */
import { CapError } from "../caps/errors";
import { isCapName } from "../caps/index";
import { checkSysctlKey, sysctlPatternMatches } from "../caps/sysctl";
import type { Manifest } from "../runtime/manifest";
import { manifestCapabilities } from "../runtime/manifest-grant";
import { DEFAULT_LIMITS, type Grant, LINK_KINDS } from "../runtime/policy";

export type Outcome = "allowed" | "denied" | "limited";

export interface CapabilityCheck {
  /** "import cni:host/link", "hostNetns", "sysctl net.ipv4.ip_forward", ... */
  capability: string;
  requested: string;
  granted: string;
  outcome: Outcome;
  /** What happens, in the plugin's terms. */
  note: string;
}

/** Stands for "*" (any one interface) when a manifest's sysctl pattern is put to the real check. */
const EXAMPLE_INTERFACE = "eth0";

/**
 * Why the real sysctl check (host allowlist, then the grant's sysctlKeys) refuses `key`; null
 * when it passes. A manifest may state a pattern ("net.ipv6.conf.*.accept_ra", as grants do):
 * it passes when the key it stands for on one interface does, and a grant pattern covers it for
 * every interface (a grant of eth0's key alone does not).
 */
export function sysctlKeyRefusal(key: string, grant: Grant): string | null {
  const example = key.split(".").map((seg) => (seg === "*" ? EXAMPLE_INTERFACE : seg)).join(".");
  try {
    checkSysctlKey("inspect", grant, example);
  } catch (e) {
    if (e instanceof CapError && e.payload.tag === "denied") return e.payload.val.replace(/^plugin "inspect" may not use sysctl \S+: /, "");
    throw e;
  }
  if (example !== key && !grant.sysctlKeys.some((p) => sysctlPatternMatches(p, key))) {
    return `its grant's sysctlKeys do not cover it on every interface (${grant.sysctlKeys.join(", ")})`;
  }
  return null;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));

/**
 * The fields of `grant` that differ from the grant `m` states (manifest-grant.ts, as the build
 * derives the built-in grants); empty when they are the same. Lists compare as sets.
 */
export function manifestGrantDifferences(m: Manifest, grant: Grant): string[] {
  const want = manifestCapabilities(m);
  const differs: string[] = [];
  for (const k of ["interfaces", "delegates", "linkKinds", "sysctlKeys"] as const) if (!sameSet(want[k], grant[k])) differs.push(k);
  if (want.hostNetns !== grant.hostNetns) differs.push("hostNetns");
  if ((want.sysctlFromConfig ?? false) !== (grant.sysctlFromConfig ?? false)) differs.push("sysctlFromConfig");
  if ((want.timeLimitMs ?? DEFAULT_LIMITS.timeLimitMs) !== grant.timeLimitMs) differs.push("timeLimitMs");
  return differs;
}

const list = (xs: readonly string[] | undefined): string => (xs === undefined ? "(not stated)" : xs.join(", ") || "none");

/**
 * The load-time memory check (memory-limit.ts) as a row: `declared` is the largest maximum the
 * main core module declares (null: one without a maximum; undefined: not read, a bare component).
 */
function memoryCheck(declared: number | null | undefined, granted: number): CapabilityCheck {
  const row = { capability: "memoryPages", granted: `${granted} (${granted / 16} MiB)` };
  if (declared === undefined) {
    return { ...row, requested: "(not read)", outcome: "limited",
      note: `at load, a memory without a maximum or above ${granted} pages of 64 KiB is refused` };
  }
  if (declared === null) return { ...row, requested: "no maximum", outcome: "denied", note: "the plugin fails to load: its memory declares no maximum" };
  return declared > granted
    ? { ...row, requested: String(declared), outcome: "denied", note: `the plugin fails to load: its memory's maximum ${declared} pages is above its grant` }
    : { ...row, requested: String(declared), outcome: "allowed", note: `its memory may grow to ${declared} pages; past that its allocator traps (CNI error 999)` };
}

/**
 * Every check for a plugin that imports `imports` (cap names) under `grant`; `declaredMemoryPages`
 * as memoryCheck takes it.
 */
export function capabilityChecks(
  imports: readonly string[], manifest: Manifest | null, grant: Grant | null, declaredMemoryPages?: number | null,
): CapabilityCheck[] {
  if (grant === null) {
    return [{
      capability: "grant", requested: "a grant", granted: "none", outcome: "denied",
      note: "no grant in the built-in set or the policy file (deny by default): every call fails before the plugin runs",
    }];
  }
  const want = manifest?.capabilities;
  const checks: CapabilityCheck[] = [];
  for (const name of imports) {
    const granted = grant.interfaces.includes(name);
    const provided = isCapName(name);
    checks.push({
      capability: `import cni:host/${name}`, requested: "imported", granted: granted ? "yes" : "no",
      outcome: provided && granted ? "allowed" : "denied",
      note: !provided ? "this host does not provide it: the plugin fails to load"
        : granted ? "its functions are available" : "not in the grant's interfaces: the plugin fails to load",
    });
  }
  for (const name of want?.interfaces ?? []) {
    if (imports.includes(name)) continue;
    checks.push({ capability: `interface ${name}`, requested: "in manifest only", granted: grant.interfaces.includes(name) ? "yes" : "no",
      outcome: "allowed", note: "stated in the manifest but not imported: unused" });
  }
  if (imports.includes("netns")) {
    const requested = want?.hostNetns === undefined ? "(not stated)" : String(want.hostNetns);
    // Not asked for and not granted: the plugin may never call netns.host(), so it is a limit.
    const outcome: Outcome = grant.hostNetns ? "allowed" : want?.hostNetns === true ? "denied" : "limited";
    checks.push({ capability: "hostNetns", requested, granted: String(grant.hostNetns), outcome,
      note: grant.hostNetns ? "netns.host() opens the host's namespace" : "netns.host() returns denied: the container's namespace only" });
  }
  if (imports.includes("ipam")) {
    for (const d of want?.delegates ?? []) {
      const ok = grant.delegates.includes(d);
      checks.push({ capability: `delegate ${d}`, requested: "yes", granted: ok ? "yes" : "no", outcome: ok ? "allowed" : "denied",
        note: ok ? `ipam.* runs ${d} in process under its own grant` : `ipam.* to ${d} returns denied` });
    }
    checks.push({ capability: "delegates", requested: list(want?.delegates), granted: list(grant.delegates), outcome: "allowed",
      note: "ipam.* to any plugin not granted returns denied" });
  }
  if (imports.includes("sysctl")) {
    for (const key of want?.sysctl ?? []) {
      const refusal = sysctlKeyRefusal(key, grant);
      checks.push({ capability: `sysctl ${key}`, requested: "yes", granted: refusal === null ? "yes" : "no", outcome: refusal === null ? "allowed" : "denied",
        note: refusal === null ? "sysctl.get/set may use it" : `sysctl.get/set return denied (${refusal})` });
    }
    checks.push({ capability: "sysctlKeys", requested: list(want?.sysctl), granted: list(grant.sysctlKeys), outcome: "limited",
      note: "sysctl.get/set of any other key return denied; in the host netns a per-interface key only of a link in scope" });
    if (want?.sysctlFromConfig === true || grant.sysctlFromConfig === true) {
      const ok = grant.sysctlFromConfig === true;
      checks.push({ capability: "sysctlFromConfig", requested: want?.sysctlFromConfig === true ? "yes" : "no", granted: ok ? "yes" : "no", outcome: ok ? "limited" : "denied",
        note: ok ? "any net.* key the runtime's config names in sysctl or args.cni.sysctl, in the container's netns only" : "keys its config names are refused unless the allowlist and sysctlKeys cover them" });
    }
  }
  if (imports.includes("link")) {
    for (const kind of want?.linkKinds ?? []) {
      const known = (LINK_KINDS as readonly string[]).includes(kind);
      const ok = known && grant.linkKinds.includes(kind);
      checks.push({ capability: `link kind ${kind}`, requested: "yes", granted: ok ? "yes" : "no", outcome: ok ? "allowed" : "denied",
        note: ok ? "link.create can make it" : known ? "link.create returns denied (not in the grant's linkKinds)" : "link.create cannot make this kind (not in WIT link-kind)" });
    }
    checks.push({ capability: "linkKinds", requested: list(want?.linkKinds), granted: list(grant.linkKinds), outcome: "limited",
      note: "link.create of any other kind returns denied" });
    if (grant.hostNetns) {
      checks.push({ capability: "host links", requested: "-", granted: "own and config-named", outcome: "limited",
        note: "in the host netns, link/addr/route/sysctl changes only to links it created or its config names (bridge, master, device, ...)" });
    }
  }
  if (imports.includes("qdisc") && grant.hostNetns) {
    checks.push({ capability: "host qdiscs", requested: "-", granted: "own and the container's veth", outcome: "limited",
      note: "in the host netns, qdiscs and redirects only on links it created and the host end of the call's container veth (never a config-named link)" });
  }
  checks.push(memoryCheck(declaredMemoryPages, grant.memoryPages));
  const t = want?.timeLimitMs;
  checks.push({
    capability: "timeLimitMs", requested: t === undefined ? "(not stated)" : String(t), granted: String(grant.timeLimitMs),
    outcome: t !== undefined && t > grant.timeLimitMs ? "limited" : "allowed",
    note: `each verb is stopped after ${grant.timeLimitMs} ms of CPU time (CNI error 999)`,
  });
  return checks;
}
