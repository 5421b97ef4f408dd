import type * as RouteCaps from "../generated/interfaces/cni-host-route";
import type { Family } from "../generated/interfaces/cni-host-types";
import { linkByIndex, linkByName } from "../kernel/rtnl/link";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { type Route, RT_SCOPE, RT_TABLE, routeAdd, routeDel, routeList, routeReplace } from "../kernel/rtnl/route";
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
  };
}

/**
 * In the host netns a route must name its link (`dev`), and that link must be in the plugin's
 * scope; route.replace may not take over a route of the same destination on a link out of scope.
 */
function checkRouteScope(ctx: CallContext, scope: PluginScope, ns: number, r: RouteCaps.RouteInfo, action: string, replace = false): void {
  if (!scope.isHost(ns)) return;
  if (r.dev === undefined) {
    throw denied(`plugin "${ctx.plugin}" may not ${action} route ${r.dst} in the host netns without naming its link (dev): host routes are scoped to the plugin's links (scoped link ownership)`);
  }
  checkLinkName(r.dev);
  scope.requireLink(ns, r.dev, `${action} route ${r.dst} via`);
  if (!replace) return;
  const h = scope.rtnl(ns);
  const family = r.dst.includes(":") ? 6 : 4;
  const table = r.table ?? RT_TABLE.MAIN;
  for (const old of routeList(h, { family, table })) {
    if (old.dst === r.dst && old.table === table && (old.metric ?? 0) === (r.metric ?? 0) && old.oif !== undefined) {
      scope.requireLinkIndex(ns, old.oif, `replace route ${r.dst} on`);
    }
  }
}

/** cni:host/route — routes of the namespaces the plugin holds (host routes: see checkRouteScope). */
export function createRouteCaps(ctx: CallContext): typeof RouteCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);
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
      routeReplace(rtnl(ns), toKernel(rtnl(ns), r));
    }),
    delete: hostCall(ctx, "route.delete", (ns: number, r: RouteCaps.RouteInfo) => {
      checkRouteScope(ctx, scope, ns, r, "delete");
      routeDel(rtnl(ns), toKernel(rtnl(ns), r));
    }),
  };
}
