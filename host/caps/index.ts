import { createAddrCaps } from "./addr";
import type { CallContext } from "./context";
import { createDnsCaps } from "./dns";
import { createFirewallCaps } from "./firewall";
import { createIpamCaps } from "./ipam";
import { createLinkCaps } from "./link";
import { createLogCaps } from "./log";
import { createNeighCaps } from "./neigh";
import { createNetnsCaps } from "./netns";
import { createQdiscCaps } from "./qdisc";
import { createRouteCaps } from "./route";
import { createRuleCaps } from "./rule";
import { createStoreCaps } from "./store";
import { createSysctlCaps } from "./sysctl";

/**
 * Every host interface of cni:host with its factory. A WIT interface with no host
 * implementation is missing here, and `CapName` keeps the rest of the host honest.
 */
export const CAPS = {
  netns: createNetnsCaps,
  link: createLinkCaps,
  addr: createAddrCaps,
  route: createRouteCaps,
  rule: createRuleCaps,
  sysctl: createSysctlCaps,
  firewall: createFirewallCaps,
  store: createStoreCaps,
  log: createLogCaps,
  ipam: createIpamCaps,
  dns: createDnsCaps,
  qdisc: createQdiscCaps,
  neigh: createNeighCaps,
} satisfies Record<string, (ctx: CallContext) => object>;

export type CapName = keyof typeof CAPS;

/** Interfaces that hold only types: imported by every component, no functions, no grant. */
export const TYPE_ONLY_INTERFACES: readonly string[] = ["types", "verbs", "cluster"];

export function isCapName(name: string): name is CapName {
  return Object.hasOwn(CAPS, name);
}

/** The import object for exactly the interfaces a component imports ("link", ...). */
export function createImports(ctx: CallContext, interfaces: readonly CapName[]): Record<string, object> {
  const imports: Record<string, object> = {};
  for (const name of interfaces) imports[`cni:host/${name}@0.1.0`] = CAPS[name](ctx);
  return imports;
}
