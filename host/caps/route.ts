import type * as RouteCaps from "../generated/interfaces/cni-host-route";
import type { Family } from "../generated/interfaces/cni-host-types";
import { linkByIndex, linkByName } from "../kernel/rtnl/link";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { type Route, RT_SCOPE, RT_TABLE, routeAdd, routeDel, routeList, routeReplace } from "../kernel/rtnl/route";
import { Errno, KernelError } from "../kernel/errors";
import { parseCidr } from "../kernel/rtnl/inet";
import { ipFamily } from "./addr";
import { type CallContext, hostCall } from "./context";
import { denied } from "./errors";
import { checkLinkName } from "./link";
import { type PluginScope, scopeOf } from "./scope";

const SCOPES: Record<RouteCaps.RouteScope, number> = {
  universe: RT_SCOPE.UNIVERSE,
  site: RT_SCOPE.SITE,
  link: RT_SCOPE.LINK,
  host: RT_SCOPE.HOST,
};

/** WIT route (link by name) → kernel route (link by index). */
function toKernel(h: RtnlHandle, r: RouteCaps.RouteInfo): Route {
  let oif: number | undefined;
  if (r.dev !== undefined) {
    checkLinkName(r.dev);
    oif = linkByName(h, r.dev).index;
  }
  return {
    dst: r.dst,
    ...(r.gw !== undefined && { gw: r.gw }),
    ...(oif !== undefined && { oif }),
    ...(r.src !== undefined && { src: r.src }),
    ...(r.table !== undefined && { table: r.table }),
    ...(r.scope !== undefined && { scope: SCOPES[r.scope] }),
    ...(r.metric !== undefined && { metric: r.metric }),
    ...(r.mtu !== undefined && { mtu: r.mtu }),
    ...(r.advmss !== undefined && { advmss: r.advmss }),
    onlink: r.onlink,
    ...(r.protocol !== undefined && { protocol: r.protocol }),
  };
}

function fromKernel(h: RtnlHandle, r: Route & { table: number }): RouteCaps.RouteInfo {
  const scope = (Object.keys(SCOPES) as RouteCaps.RouteScope[]).find((k) => SCOPES[k] === r.scope);
  let dev: string | undefined;
  if (r.oif) {
    try {
      dev = linkByIndex(h, r.oif).name;
    } catch {
      dev = undefined; // the link went away between the dump and the lookup
    }
  }
  return {
    dst: r.dst,
    ...(r.gw !== undefined && { gw: r.gw }),
    ...(dev !== undefined && { dev }),
    ...(r.src !== undefined && { src: r.src }),
    table: r.table,
    ...(scope !== undefined && { scope }),
    ...(r.metric !== undefined && { metric: r.metric }),
    ...(r.mtu !== undefined && { mtu: r.mtu }),
    ...(r.advmss !== undefined && { advmss: r.advmss }),
    onlink: r.onlink ?? false,
    ...(r.protocol !== undefined && { protocol: r.protocol }),
  };
}

/**
 * In the host netns a route must name its link (`dev`), and that link must be in the plugin's
 * scope; route.replace may not take over a route of the same destination on a link out of scope.
 * A controller's routes are scoped by the cluster view instead (scope.ts requireClusterRoute).
 */
function checkRouteScope(ctx: CallContext, scope: PluginScope, ns: number, r: RouteCaps.RouteInfo, action: "add" | "replace" | "delete", replace = false): void {
  if (!scope.isHost(ns)) return;
  if (r.dev !== undefined) checkLinkName(r.dev);
  if (ctx.cluster !== undefined) return scope.requireClusterRoute(ns, r, action); // a controller's: what the view proves
  if (r.dev === undefined) {
    throw denied(`plugin "${ctx.plugin}" may not ${action} route ${r.dst} in the host netns without naming its link (dev): host routes are scoped to the plugin's links (scoped link ownership)`);
  }
  scope.requireLink(ns, r.dev, `${action} route ${r.dst} via`);
  if (replace) {
    const h = scope.rtnl(ns);
    const family = r.dst.includes(":") ? 6 : 4;
    const table = r.table ?? RT_TABLE.MAIN;
    for (const old of routeList(h, { family, table })) {
      if (old.dst === r.dst && old.table === table && (old.metric ?? 0) === (r.metric ?? 0) && old.oif !== undefined) {
        scope.requireLinkIndex(ns, old.oif, `replace route ${r.dst} on`);
      }
    }
  }
  scope.requireHostRoute(ns, r.dst, r.table, action);
}

type KernelRoute = ReturnType<typeof routeList>[number];

/** The routes of dst's family in its table, to compare before and after a replace or delete. */
function tableOf(h: RtnlHandle, route: Route): KernelRoute[] {
  return routeList(h, { family: parseCidr(route.dst).family, table: route.table ?? RT_TABLE.MAIN });
}

/**
 * How to put a table back after a replace or delete: the routes it gained go, the routes it lost
 * come back with every attribute the kernel reported (protocol, scope, type, metric, mtu, ...).
 * Compared before and after, because the kernel, not the request, decides which route matched.
 */
export function routeTableUndo(h: () => RtnlHandle, before: KernelRoute[], after: KernelRoute[]): () => void {
  const key = (r: KernelRoute): string => JSON.stringify(r);
  const was = new Set(before.map(key)), is = new Set(after.map(key));
  const gained = after.filter((r) => !was.has(key(r)));
  const lost = before.filter((r) => !is.has(key(r)));
  return () => {
    for (const r of gained) {
      try {
        routeDel(h(), r);
      } catch (e) {
        if (!(e instanceof KernelError && e.errno === Errno.ESRCH)) throw e; // gone already (its link or address went)
      }
    }
    for (const r of lost) routeReplace(h(), r);
  };
}

/** cni:host/route — routes of the namespaces the plugin holds (host routes: see checkRouteScope). */
export function createRouteCaps(ctx: CallContext): typeof RouteCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);
  /** A replace or delete; within an ADD the journal records how to put the table back (two more dumps). */
  const changeTable = (ns: number, what: string, route: Route, op: (h: RtnlHandle, r: Route) => void): void => {
    const before = ctx.journal.enabled ? tableOf(rtnl(ns), route) : undefined;
    op(rtnl(ns), route);
    if (before) ctx.journal.record(what, routeTableUndo(() => rtnl(ns), before, tableOf(rtnl(ns), route)));
  };
  return {
    list: hostCall(ctx, "route.list", (ns: number, family: Family, allTables: boolean) => {
      const h = rtnl(ns);
      const f = ipFamily(family);
      return routeList(h, { ...(f !== undefined && { family: f }), ...(allTables && { table: "all" as const }) }).map((r) => fromKernel(h, r));
    }),
    add: hostCall(ctx, "route.add", (ns: number, r: RouteCaps.RouteInfo) => {
      checkRouteScope(ctx, scope, ns, r, "add");
      const route = toKernel(rtnl(ns), r);
      routeAdd(rtnl(ns), route);
      ctx.journal.record(`route.add ${r.dst} (ns ${ns})`, () => routeDel(rtnl(ns), route));
    }),
    replace: hostCall(ctx, "route.replace", (ns: number, r: RouteCaps.RouteInfo) => {
      checkRouteScope(ctx, scope, ns, r, "replace", true);
      changeTable(ns, `route.replace ${r.dst} (ns ${ns})`, toKernel(rtnl(ns), r), routeReplace);
    }),
    delete: hostCall(ctx, "route.delete", (ns: number, r: RouteCaps.RouteInfo) => {
      checkRouteScope(ctx, scope, ns, r, "delete");
      changeTable(ns, `route.delete ${r.dst} (ns ${ns})`, toKernel(rtnl(ns), r), routeDel);
    }),
  };
}
