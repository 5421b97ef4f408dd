/**
 * What one plugin instance may touch. Namespaces: only the handles it opened itself through
 * netns.container/netns.host (never an id of a delegate's or its parent's, never a forged
 * one). In the host netns: only links it created or that its config names (scoped link
 * ownership); in the container's netns of the call: anything. A node controller (a component
 * of world controller, reconciling: CallContext.cluster set) has no config and no container:
 * in the host netns only the links it created, and the addresses and routes the cluster view
 * proves (cluster-scope.ts).
 *
 * Ownership lives in the link's alias, `wasm-cni:<plugin>`, set by the host when the plugin
 * creates a link in the host netns (a veth peer placed there included). It lives and dies
 * with the link: a link deleted with its container's netns leaves no record behind that a
 * later link of the same name or ifindex could inherit, a rename keeps it, it needs no file
 * I/O or lock on the ADD path, and `ip link` shows the owner to an operator. The host refuses
 * a plugin's own writes of such an alias in the host netns, so it cannot be forged there.
 */
import { statSync } from "node:fs";
import type { LinkChange } from "../generated/interfaces/cni-host-link";
import { LinkNotFoundError } from "../kernel/errors";
import type { NetnsHandle } from "../kernel/netns";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import type { Link } from "../kernel/rtnl/ifinfo";
import { linkByIndex, linkByName } from "../kernel/rtnl/link";
import { type Cidr, cidrContains, parseCidr } from "../kernel/rtnl/inet";
import { netnsIdOf } from "../kernel/rtnl/nsid";
import { RT_TABLE, routeList } from "../kernel/rtnl/route";
import { clusterAddrProblem, type ClusterRoute, clusterRouteDeleteProblem, clusterRouteProblem } from "./cluster-scope";
import type { CallContext } from "./context";
import { denied } from "./errors";

/** What requireHostRule reads of a rule (rule.ts passes the WIT record's fields). */
export interface RuleScopeView {
  describe: string;
  toTable: boolean;
  table?: number;
  invert: boolean;
  src?: string;
  iif?: string;
  oif?: string;
}

/** The alias prefix that marks a host link's owner; reserved to the host. */
export const OWNER_ALIAS_PREFIX = "wasm-cni:";

export const ownerAlias = (plugin: string): string => `${OWNER_ALIAS_PREFIX}${plugin}`;

/** Config keys whose value names a link of the host: the reference plugins' own keys. */
const NAME_KEYS = ["bridge", "master", "device"] as const;

/** The host links a net config names, read by the host from the config it passed. */
interface ConfigNames {
  names: Set<string>;
  /** host-device's `hwaddr`, lower case with colons. */
  mac?: string;
  /** host-device's `kernelpath` (its last part), `pciBusID` and `runtimeConfig.deviceID`. */
  devices: Set<string>;
  /** True when the config has a `master`; without one, macvlan and ipvlan take the default route's link. */
  hasMaster: boolean;
  /** The config's `master`, when it names one. */
  master?: string;
  /**
   * Address ranges the config names: `ipam.subnet`, `ipam.ranges[][].subnet`, static's
   * `ipam.addresses[].address`, `runtimeConfig.ips`, `args.cni.ips` and `prevResult.ips[].address`
   * (each as the network of its prefix): where this network's containers get their addresses.
   */
  ranges: Cidr[];
  /** The host-side interfaces of `prevResult` (listed without a `sandbox`): the container's bridge or host veth. */
  prevHostLinks: Set<string>;
}

/** The CIDRs among `values` (strings, or objects whose `key` is one); anything else is skipped. */
function cidrsOf(values: unknown, key?: string): Cidr[] {
  if (!Array.isArray(values)) return [];
  return values.flatMap((v): Cidr[] => {
    const text = key === undefined ? v : typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
    if (typeof text !== "string") return [];
    try {
      return [parseCidr(text)];
    } catch {
      return [];
    }
  });
}

/** The address ranges of ConfigNames.ranges, from the parsed config. */
function readRanges(c: Record<string, unknown>): Cidr[] {
  const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const ipam = obj(c.ipam);
  const ranges = Array.isArray(ipam.ranges) ? ipam.ranges.flatMap((set: unknown) => cidrsOf(set, "subnet")) : [];
  return [
    ...cidrsOf([ipam.subnet]),
    ...ranges,
    ...cidrsOf(ipam.addresses, "address"),
    ...cidrsOf(obj(c.runtimeConfig).ips),
    ...cidrsOf(obj(obj(c.args).cni).ips),
    ...cidrsOf(obj(c.prevResult).ips, "address"),
  ];
}

/** The names of prevResult's interfaces that have no `sandbox` (ConfigNames.prevHostLinks). */
function readPrevHostLinks(prev: unknown): Set<string> {
  const out = new Set<string>();
  const ifs = typeof prev === "object" && prev !== null ? (prev as Record<string, unknown>).interfaces : undefined;
  if (!Array.isArray(ifs)) return out;
  for (const i of ifs) {
    if (typeof i !== "object" || i === null) continue;
    const { name, sandbox } = i as Record<string, unknown>;
    if (typeof name === "string" && name !== "" && (sandbox === undefined || sandbox === "")) out.add(name);
  }
  return out;
}

function readConfigNames(config: string): ConfigNames {
  const out: ConfigNames = { names: new Set(), devices: new Set(), hasMaster: false, ranges: [], prevHostLinks: new Set() };
  let conf: unknown;
  try {
    conf = JSON.parse(config);
  } catch {
    return out; // dispatch parsed and validated it before any plugin ran; delegates get the same
  }
  if (typeof conf !== "object" || conf === null) return out;
  const c = conf as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  for (const key of NAME_KEYS) {
    const v = str(c[key]);
    if (v !== undefined) out.names.add(v);
  }
  const master = str(c.master);
  out.hasMaster = master !== undefined;
  if (master !== undefined) out.master = master;
  out.ranges = readRanges(c);
  out.prevHostLinks = readPrevHostLinks(c.prevResult);
  const mac = str(c.hwaddr);
  if (mac !== undefined) out.mac = mac.replaceAll("-", ":").toLowerCase();
  const kernelpath = str(c.kernelpath);
  if (kernelpath !== undefined) out.devices.add(kernelpath.slice(kernelpath.lastIndexOf("/") + 1));
  const bus = str(c.pciBusID);
  if (bus !== undefined) out.devices.add(bus);
  const rc = c.runtimeConfig;
  const deviceId = typeof rc === "object" && rc !== null ? str((rc as Record<string, unknown>).deviceID) : undefined;
  if (deviceId !== undefined) out.devices.add(deviceId);
  out.devices.delete("");
  return out;
}

/** The inode of the netns this thread is in: the host's, since the host never changes netns. */
function hostNetnsInode(): number {
  return statSync("/proc/thread-self/ns/net").ino;
}

export class PluginScope {
  private readonly held = new Set<number>();
  private readonly hosts = new Set<number>();
  /** Host links this plugin created in this call, by name: in scope without a lookup. */
  private readonly created = new Set<string>();
  private names?: ConfigNames;

  constructor(private readonly ctx: CallContext) {}

  /** Records a handle the plugin got from netns.*; `host` when it is the host's netns. */
  hold(id: number, host: boolean): void {
    this.held.add(id);
    if (host) this.hosts.add(id);
  }

  /** True when the namespace at handle `ns` is the host's (CNI_NETNS may name it too). */
  static isHostNetns(ns: NetnsHandle): boolean {
    return statSync(`/proc/self/fd/${ns.fd}`).ino === hostNetnsInode();
  }

  /** The namespace behind a handle this plugin holds; any other id is denied. */
  netns(id: number): NetnsHandle {
    this.check(id);
    return this.ctx.namespaces.netns(id);
  }

  rtnl(id: number): RtnlHandle {
    this.check(id);
    return this.ctx.namespaces.rtnl(id);
  }

  isHost(id: number): boolean {
    return this.hosts.has(id);
  }

  /** A link was created in host namespace `id` under `name`: it is the plugin's from now on. */
  adopt(name: string): void {
    this.created.add(name);
  }

  /** A link in scope was renamed. */
  renamed(from: string, to: string): void {
    if (this.created.delete(from)) this.created.add(to);
  }

  /**
   * Throws `denied` unless link `name` of namespace `ns` is in scope for `action`; the
   * container's netns is always in scope. Returns the link when it had to be read.
   * `parent`: a default-route link counts as named when the config names no master.
   */
  requireLink(ns: number, name: string, action: string, parent = false): void {
    if (!this.isHost(ns)) return;
    if (this.ctx.cluster !== undefined) return this.requireOwnLink(ns, name, action);
    if (this.created.has(name) || this.configNames().names.has(name)) return;
    const link = linkByName(this.rtnl(ns), name); // not found: the plugin gets not-found, as without the check
    if (this.owns(link) || this.namedByDevice(link)) return;
    if (parent && !this.configNames().hasMaster && this.isDefaultRouteLink(ns, link)) return;
    throw this.outOfScope(action, name);
  }

  /**
   * As requireLink, for a per-interface sysctl; a chained plugin (portmap's route_localnet)
   * may also name the container's own host-side link: one that prevResult lists without a
   * sandbox AND that a wasm-cni plugin created (an owner mark, of any plugin). Both are needed:
   * prevResult is written by the chain's earlier plugins, so by itself it could point at the
   * uplink; the owner mark alone would reach every container's bridge.
   */
  requireSysctlLink(ns: number, name: string, action: string): void {
    if (this.ctx.cluster !== undefined) return this.requireLink(ns, name, action);
    if (!this.isHost(ns) || this.created.has(name) || this.configNames().names.has(name)) return;
    if (this.configNames().prevHostLinks.has(name)) {
      const link = linkByName(this.rtnl(ns), name);
      if (link.alias.startsWith(OWNER_ALIAS_PREFIX)) return;
    }
    this.requireLink(ns, name, action);
  }

  /** As requireLink, for a link known by index (a route's oif). */
  requireLinkIndex(ns: number, index: number, action: string): void {
    if (!this.isHost(ns)) return;
    let link: Link;
    try {
      link = linkByIndex(this.rtnl(ns), index);
    } catch (e) {
      if (e instanceof LinkNotFoundError) return; // gone since the dump: nothing of anyone's
      throw e;
    }
    if (this.created.has(link.name) || this.owns(link)) return;
    if (this.ctx.cluster === undefined && (this.configNames().names.has(link.name) || this.namedByDevice(link))) return;
    throw this.outOfScope(action, link.name);
  }

  /**
   * A controller's link scope in the host netns: only a link it created (in this reconcile, or
   * marked so by an earlier one). Not the underlay, not a pod's link, whatever their names.
   */
  private requireOwnLink(ns: number, name: string, action: string): void {
    if (this.created.has(name)) return;
    const link = linkByName(this.rtnl(ns), name); // not found: not-found, as without the check
    if (!this.owns(link)) throw this.outOfScope(action, name);
  }

  /** The name messages give this instance: `controller "x"` while reconciling, else `plugin "x"`. */
  get who(): string {
    return `${this.ctx.cluster !== undefined ? "controller" : "plugin"} "${this.ctx.plugin}"`;
  }

  /**
   * A controller's address change in the host netns: on a link it created, only the network
   * address of one of the node's subnets as a host address (cluster-scope.ts). `action`: "add", "remove".
   */
  requireClusterAddr(ns: number, name: string, cidr: string, action: "add" | "remove"): void {
    const view = this.ctx.cluster;
    if (view === undefined || !this.isHost(ns)) return;
    this.requireLink(ns, name, action === "add" ? "add an address to" : "remove an address from");
    const problem = clusterAddrProblem(view, cidr);
    if (problem !== null) throw denied(`${this.who} may not ${action} address ${cidr}: ${problem}`);
  }

  /**
   * A controller's route change in the host netns, as the view proves it (cluster-scope.ts),
   * out of a link it created or the view's underlay link when it names one.
   */
  requireClusterRoute(ns: number, r: ClusterRoute & { dev?: string }, action: "add" | "replace" | "delete"): void {
    const view = this.ctx.cluster;
    if (view === undefined || !this.isHost(ns)) return;
    const problem = action === "delete" ? clusterRouteDeleteProblem(view, r) : clusterRouteProblem(view, r);
    if (problem !== null) throw denied(`${this.who} may not ${action} route ${r.dst}${r.gw !== undefined && action !== "delete" ? ` via ${r.gw}` : ""}: ${problem}`);
    if (r.dev === undefined || r.dev === view.underlayLink || this.ownsLink(ns, r.dev)) return;
    throw denied(`${this.who} may not ${action} route ${r.dst} via host link ${r.dev}: only out of a link it created or the underlay link ${view.underlayLink}`);
  }

  /**
   * Traffic control (qdisc.ts) in the host netns: only a link the plugin owns (created in this
   * call, or carrying its owner mark) or the host end of the call's own container veth (a veth
   * whose peer is in CNI_NETNS, read from the kernel): a qdisc there shapes only that
   * container's traffic. Not the links the config names (a bridge, an uplink): a qdisc there
   * would shape every container's, or the node's. The container's netns: anything.
   */
  requireTcLink(ns: number, name: string, action: string): Link | undefined {
    if (!this.isHost(ns)) return undefined;
    const link = linkByName(this.rtnl(ns), name); // not found: not-found, as without the check
    if (this.created.has(name) || this.owns(link) || this.isContainerPeer(ns, link)) return link;
    throw denied(
      `plugin "${this.ctx.plugin}" may not ${action} host link ${name}: it did not create it and it is not the host end of the container's veth (qdisc scope)`,
    );
  }

  /** True when host link `link` is a veth whose peer lives in the call's CNI_NETNS. */
  private isContainerPeer(ns: number, link: Link): boolean {
    const path = this.ctx.call.netnsPath;
    if (link.kind !== "veth" || link.linkNetnsid === undefined || link.linkNetnsid < 0 || !path) return false;
    let container: NetnsHandle;
    try {
      container = this.ctx.namespaces.netns(this.ctx.namespaces.open(path));
    } catch {
      return false; // CNI_NETNS gone: no container, no peer
    }
    // A CNI_NETNS that is the host's own has no container veth: every veth there would match.
    if (PluginScope.isHostNetns(container)) return false;
    return netnsIdOf(this.rtnl(ns), container) === link.linkNetnsid;
  }

  /** True when host link `name` is the plugin's own: created by it (in this call, or marked so by an earlier one). */
  ownsLink(ns: number, name: string): boolean {
    if (this.created.has(name)) return true;
    try {
      return this.owns(linkByName(this.rtnl(ns), name));
    } catch (e) {
      if (e instanceof LinkNotFoundError) return false;
      throw e;
    }
  }

  /** True when host link `name` was created by this plugin in this call. */
  createdInCall(name: string): boolean {
    return this.created.has(name);
  }

  /**
   * A link that takes its parent over (a macvlan in passthru mode: the parent goes promiscuous
   * and its traffic to the child) on a host link the plugin does not own needs the grant's
   * parentTakeover and a parent the config names as `master`: never the default route's link
   * taken by default, never a link named only as `bridge` or `device`.
   */
  requireTakeover(ns: number, parent: string, what: string): void {
    if (!this.isHost(ns) || this.ownsLink(ns, parent)) return;
    const named = this.configNames().master === parent;
    if (this.ctx.grant.parentTakeover === true && named) return;
    const why = this.ctx.grant.parentTakeover !== true
      ? "taking over a host link needs parentTakeover: true in its grant and a config that names it as master"
      : "with parentTakeover only the link its config names as master may be taken over";
    throw denied(`plugin "${this.ctx.plugin}" may not make ${what} on host link ${parent}: ${why}`);
  }

  /**
   * A route in the host netns stays inside the grant: its destination within an address range
   * the config names (ConfigNames.ranges) or one of the grant's hostRoutes, its table main or one
   * of the grant's hostRouteTables. Derived from the runtime's config and the operator's policy,
   * never from what the plugin passes.
   */
  requireHostRoute(ns: number, dst: string, table: number | undefined, action: string): void {
    if (!this.isHost(ns)) return;
    const t = table ?? RT_TABLE.MAIN;
    const g = this.ctx.grant;
    if (t !== RT_TABLE.MAIN && !(g.hostRouteTables ?? []).includes(t)) {
      throw denied(`plugin "${this.ctx.plugin}" may not ${action} route ${dst} in table ${t} of the host netns: only the main table, or a table its grant's hostRouteTables lists (${(g.hostRouteTables ?? []).join(", ") || "none"})`);
    }
    if (this.inHostRanges(parseCidr(dst))) return;
    throw denied(`plugin "${this.ctx.plugin}" may not ${action} route ${dst} in the host netns: outside the address ranges its config names (ipam subnet, ranges, addresses; prevResult ips) and its grant's hostRoutes (${(g.hostRoutes ?? []).join(", ") || "none"})`);
  }

  /**
   * A policy routing rule in the host netns stays inside the grant: a lookup in one of the
   * grant's hostRouteTables (never main, local or default unless the operator lists it; never
   * blackhole, unreachable or prohibit, which have no table), never inverted (`not` selects
   * everything else), selecting by a source inside the address ranges the config names or the
   * grant's hostRoutes, or by an input link in the plugin's scope; an output link in scope too.
   * So a plugin can route its containers' traffic through its table, never the node's own.
   */
  requireHostRule(ns: number, r: RuleScopeView, action: string): void {
    if (!this.isHost(ns)) return;
    const g = this.ctx.grant;
    const tables = (g.hostRouteTables ?? []).join(", ") || "none";
    const who = `plugin "${this.ctx.plugin}" may not ${action} rule ${r.describe} in the host netns`;
    if (!r.toTable || r.table === undefined || !(g.hostRouteTables ?? []).includes(r.table)) {
      throw denied(`${who}: a host rule must look up a table its grant's hostRouteTables lists (${tables})`);
    }
    if (r.invert) throw denied(`${who}: "not" would select every packet but those named`);
    if (r.oif !== undefined) this.requireLink(ns, r.oif, `${action} a rule (oif) on`);
    if (r.src !== undefined && this.inHostRanges(parseCidr(r.src))) return;
    if (r.iif !== undefined) {
      this.requireLink(ns, r.iif, `${action} a rule (iif) on`);
      return;
    }
    throw denied(`${who}: a host rule must select by a source (from) inside the address ranges its config names (ipam subnet, ranges, addresses; prevResult ips) or its grant's hostRoutes (${(g.hostRoutes ?? []).join(", ") || "none"}), or by an input link (iif) in its scope`);
  }

  /**
   * A VRF made in the host netns routes its links by its table: that table must be one of the
   * grant's hostRouteTables, as for the plugin's host routes and rules.
   */
  requireHostVrfTable(ns: number, name: string, table: number): void {
    if (!this.isHost(ns)) return;
    const tables = this.ctx.grant.hostRouteTables ?? [];
    if (tables.includes(table)) return;
    throw denied(`plugin "${this.ctx.plugin}" may not make VRF ${name} with table ${table} in the host netns: only a table its grant's hostRouteTables lists (${tables.join(", ") || "none"})`);
  }

  /** True when `c` lies inside an address range the config names or one of the grant's hostRoutes. */
  private inHostRanges(c: Cidr): boolean {
    const allowed = [...this.configNames().ranges, ...(this.ctx.grant.hostRoutes ?? []).map((r) => parseCidr(r))];
    return allowed.some((r) => cidrContains(r, c));
  }

  /** An alias write in the host netns may not forge an owner mark. */
  checkAlias(ns: number, change: Pick<LinkChange, "alias">): void {
    if (this.isHost(ns) && change.alias?.startsWith(OWNER_ALIAS_PREFIX)) {
      throw denied(`plugin "${this.ctx.plugin}" may not set alias ${JSON.stringify(change.alias)} in the host netns: the prefix ${OWNER_ALIAS_PREFIX} is the host's owner mark (scoped link ownership)`);
    }
  }

  owns(link: Pick<Link, "alias">): boolean {
    return link.alias === ownerAlias(this.ctx.plugin);
  }

  private namedByDevice(link: Link): boolean {
    const n = this.configNames();
    return (n.mac !== undefined && link.mac === n.mac) || (link.parentDev !== "" && n.devices.has(link.parentDev));
  }

  private isDefaultRouteLink(ns: number, link: Link): boolean {
    const h = this.rtnl(ns);
    return routeList(h, { family: 4 }).concat(routeList(h, { family: 6 })).some((r) => r.dst.endsWith("/0") && r.oif === link.index);
  }

  private configNames(): ConfigNames {
    return (this.names ??= readConfigNames(this.ctx.config));
  }

  private check(id: number): void {
    if (!this.held.has(id)) {
      throw denied(`plugin "${this.ctx.plugin}" used netns id ${id}, which is not a handle it got from netns.container or netns.host in this call`);
    }
  }

  private outOfScope(action: string, name: string): Error {
    if (this.ctx.cluster !== undefined) {
      return denied(`${this.who} may not ${action} host link ${name}: it did not create it (a controller touches only its own links)`);
    }
    return denied(
      `plugin "${this.ctx.plugin}" may not ${action} host link ${name}: it did not create it and its config does not name it (scoped link ownership)`,
    );
  }
}

/** The scope of a plugin instance, made on first use. */
export function scopeOf(ctx: CallContext): PluginScope {
  return (ctx.scope ??= new PluginScope(ctx));
}
