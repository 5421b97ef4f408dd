import type * as Sysctl from "../generated/interfaces/cni-host-sysctl";
import { sysctlGet, sysctlSet } from "../kernel/sysctl";
import type { Grant } from "../runtime/policy";
import { type CallContext, hostCall } from "./context";
import { denied, invalid } from "./errors";
import { scopeOf } from "./scope";
import { canonicalKey, configSysctlKeys } from "./sysctl-config";

/**
 * The host's own allowlist: forwarding and per-interface IPv4/IPv6 settings; nothing outside
 * net.* is ever reachable. A grant's sysctlKeys narrow it further per plugin.
 */
const ALLOWED = [
  /^net\.ipv4\.ip_forward$/,
  /^net\.ipv6\.conf\.all\.forwarding$/,
  /^net\.ipv4\.conf\.[A-Za-z0-9_.-]{1,15}\.(forwarding|rp_filter|arp_notify|route_localnet|proxy_arp)$/,
  /^net\.ipv6\.conf\.[A-Za-z0-9_.-]{1,15}\.(forwarding|accept_dad|enhanced_dad|accept_ra|disable_ipv6|keep_addr_on_down|ndisc_notify)$/,
];

/** The interface of a per-interface key ("net.ipv6.conf.eth0.accept_ra" → "eth0"). */
const PER_INTERFACE = /^net\.ipv[46]\.(?:conf|neigh)\.([^.]+)\./;

/** Not an interface: the keys that change every interface, written out in a grant. */
const ALL_INTERFACES = new Set(["all", "default"]);

/**
 * True when `pattern` (a grant's sysctlKeys entry) covers `key`: equal segment by segment,
 * where "*" stands for one interface name but never "all" or "default".
 */
export function sysctlPatternMatches(pattern: string, key: string): boolean {
  const p = pattern.split("."), k = key.split(".");
  return p.length === k.length && p.every((seg, i) => seg === k[i] || (seg === "*" && !ALL_INTERFACES.has(k[i]!)));
}

/** Throws `denied` unless `key` is on the host's allowlist and in the grant's sysctlKeys. */
export function checkSysctlKey(plugin: string, grant: Grant, key: string): void {
  if (!ALLOWED.some((re) => re.test(key))) throw denied(`plugin "${plugin}" may not use sysctl ${key}: not on the host's allowlist`);
  if (!grant.sysctlKeys.some((p) => sysctlPatternMatches(p, key))) {
    throw denied(`plugin "${plugin}" may not use sysctl ${key}: not in its grant's sysctlKeys (${grant.sysctlKeys.join(", ") || "none"})`);
  }
}

/**
 * Throws unless the plugin may use `key` in namespace `ns`: `invalid` for a key that is no
 * net.* key (another subsystem, "..", "/" in a dotted key); with the grant's sysctlFromConfig,
 * any net.* key its config names (sysctl-config.ts), in the container's netns only; otherwise
 * the host's allowlist and the grant's sysctlKeys (checkSysctlKey).
 */
function checkKey(ctx: CallContext, ns: number, key: string): void {
  const canonical = canonicalKey(key);
  if (canonical === null) {
    throw invalid(`sysctl key ${JSON.stringify(key)} is not a net.* key (net.<a-z0-9_-> segments, or net/<part>/... without "", "." or ".." parts)`);
  }
  const scope = scopeOf(ctx);
  if (ctx.grant.sysctlFromConfig === true && !scope.isHost(ns)) {
    ctx.configSysctlKeys ??= configSysctlKeys(ctx.config, ctx.call.ifname);
    if (ctx.configSysctlKeys.has(canonical)) return;
    if (!key.includes("/") && ALLOWED.some((re) => re.test(key)) && ctx.grant.sysctlKeys.some((p) => sysctlPatternMatches(p, key))) return;
    throw denied(`plugin "${ctx.plugin}" may not use sysctl ${key}: its config's sysctl does not name it (${[...ctx.configSysctlKeys].join(", ") || "none"})`);
  }
  if (ctx.grant.sysctlFromConfig === true && key.includes("/")) {
    throw denied(`plugin "${ctx.plugin}" may not use sysctl ${key} in the host netns: the keys its config names are for the container's netns only`);
  }
  checkSysctlKey(ctx.plugin, ctx.grant, key);
}

/**
 * cni:host/sysctl — allowlisted, granted net.* keys, in a namespace the plugin holds; with
 * sysctlFromConfig, the keys the runtime's config names, in the container's netns. In the host
 * netns a per-interface key must name a link in the plugin's scope, or the container's own
 * host-side link of prevResult that a wasm-cni plugin made (scope.ts, requireSysctlLink).
 */
export function createSysctlCaps(ctx: CallContext): typeof Sysctl {
  const scope = scopeOf(ctx);
  return {
    get: hostCall(ctx, "sysctl.get", (ns: number, key: string) => {
      scope.netns(ns); // a handle it holds, before anything else
      checkKey(ctx, ns, key);
      return sysctlGet(scope.netns(ns), key);
    }),
    set: hostCall(ctx, "sysctl.set", (ns: number, key: string, value: string) => {
      scope.netns(ns);
      checkKey(ctx, ns, key);
      const iface = PER_INTERFACE.exec(key)?.[1];
      if (iface !== undefined && !ALL_INTERFACES.has(iface)) scope.requireSysctlLink(ns, iface, `set sysctl ${key} of`);
      const netns = scope.netns(ns);
      const old = ctx.journal.enabled ? sysctlGet(netns, key) : undefined;
      sysctlSet(netns, key, value);
      if (old !== undefined && old !== value) ctx.journal.record(`sysctl.set ${key} (ns ${ns})`, () => sysctlSet(netns, key, old));
    }),
  };
}
