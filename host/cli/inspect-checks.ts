/**
 * What a plugin asks for against what its grant gives, one row per capability, with what
 * the host would do: allow, deny (and how the plugin sees it), or limit. The decisions come
 * from the enforcing code itself where it can (the sysctl allowlist is asked through the real
 * cap), so this report cannot promise what the host would refuse.
 */
import { CREATABLE_LINK_KINDS } from "../caps/catalog";
import type { CallContext, NamespaceTable } from "../caps/context";
import { CapError } from "../caps/errors";
import { isCapName } from "../caps/index";
import { createSysctlCaps } from "../caps/sysctl";
import type { Manifest } from "../runtime/manifest";
import type { Grant } from "../runtime/policy";

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

/** Thrown by the probe's namespace table: the key passed the allowlist and went on. */
class ProbePassed extends Error {}

/** Asks the real sysctl cap whether `key` passes its allowlist; nothing is read or written. */
export function sysctlKeyAllowed(key: string, grant: Grant): boolean {
  const namespaces = { netns: () => { throw new ProbePassed(); } } as unknown as NamespaceTable;
  const ctx = { plugin: "inspect", grant, namespaces, records: [] } as unknown as CallContext;
  try {
    createSysctlCaps(ctx).get(0, key);
    return true;
  } catch (e) {
    return !(e instanceof CapError && e.payload.tag === "denied");
  }
}

const list = (xs: readonly string[] | undefined): string => (xs === undefined ? "(not stated)" : xs.join(", ") || "none");

/** Every check for a plugin that imports `imports` (cap names) under `grant`. */
export function capabilityChecks(imports: readonly string[], manifest: Manifest | null, grant: Grant | null): CapabilityCheck[] {
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
      const ok = sysctlKeyAllowed(key, grant);
      checks.push({ capability: `sysctl ${key}`, requested: "yes", granted: ok ? "allowlisted" : "no", outcome: ok ? "allowed" : "denied",
        note: ok ? "sysctl.get/set may use it" : "sysctl.get/set return denied (not on the host's allowlist)" });
    }
  }
  if (imports.includes("link")) {
    for (const kind of want?.linkKinds ?? []) {
      const ok = CREATABLE_LINK_KINDS.includes(kind);
      checks.push({ capability: `link kind ${kind}`, requested: "yes", granted: ok ? "yes" : "no", outcome: ok ? "allowed" : "denied",
        note: ok ? "link.create can make it" : "link.create cannot make this kind (not in WIT link-kind)" });
    }
  }
  const t = want?.timeLimitMs;
  checks.push({
    capability: "timeLimitMs", requested: t === undefined ? "(not stated)" : String(t), granted: String(grant.timeLimitMs),
    outcome: t !== undefined && t > grant.timeLimitMs ? "limited" : "allowed",
    note: `each verb is stopped after ${grant.timeLimitMs} ms of CPU time (CNI error 999)`,
  });
  return checks;
}
