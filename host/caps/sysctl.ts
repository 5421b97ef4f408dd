import type * as Sysctl from "../generated/interfaces/cni-host-sysctl";
import { sysctlGet, sysctlSet } from "../kernel/sysctl";
import { type CallContext, hostCall } from "./context";
import { denied } from "./errors";

/**
 * Keys a plugin may touch: forwarding and per-interface IPv4/IPv6 settings. Issue #5 moves
 * this into the operator's policy; nothing outside net.* is ever reachable.
 */
const ALLOWED = [
  /^net\.ipv4\.ip_forward$/,
  /^net\.ipv6\.conf\.all\.forwarding$/,
  /^net\.ipv4\.conf\.[A-Za-z0-9_.-]{1,15}\.(forwarding|rp_filter|arp_notify|route_localnet|proxy_arp)$/,
  /^net\.ipv6\.conf\.[A-Za-z0-9_.-]{1,15}\.(forwarding|accept_dad|accept_ra|disable_ipv6|keep_addr_on_down|ndisc_notify)$/,
];

function checkKey(plugin: string, key: string): void {
  if (!ALLOWED.some((re) => re.test(key))) throw denied(`plugin "${plugin}" may not use sysctl ${key}`);
}

/** cni:host/sysctl — allowlisted net.* keys, in a namespace of the call. */
export function createSysctlCaps(ctx: CallContext): typeof Sysctl {
  return {
    get: hostCall(ctx, "sysctl.get", (ns: number, key: string) => {
      checkKey(ctx.plugin, key);
      return sysctlGet(ctx.namespaces.netns(ns), key);
    }),
    set: hostCall(ctx, "sysctl.set", (ns: number, key: string, value: string) => {
      checkKey(ctx.plugin, key);
      const netns = ctx.namespaces.netns(ns);
      const old = ctx.journal.enabled ? sysctlGet(netns, key) : undefined;
      sysctlSet(netns, key, value);
      if (old !== undefined && old !== value) ctx.journal.record(`sysctl.set ${key} (ns ${ns})`, () => sysctlSet(netns, key, old));
    }),
  };
}
