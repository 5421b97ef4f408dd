// Route operations (like netlink's route_linux.go): add, replace, delete, list.
import { NLM_F } from "../nl/header";
import type { RtnlHandle } from "./handle";
import { type IpFamily, parseCidr } from "./inet";
import { RTM } from "./message-types";
import { parseRoute, type Route, RT_SCOPE, RT_TABLE, RTN, RTNH_F_ONLINK, RTPROT, routeAttrs, rtMsg } from "./route-msg";

export type { Route } from "./route-msg";
export { RT_SCOPE, RT_TABLE, RTPROT } from "./route-msg";

/** "default via 10.1.0.1 dev ifindex 3 table 254": what error messages call a route. */
function describe(r: Route): string {
  const dst = r.dst === "0.0.0.0/0" || r.dst === "::/0" ? "default" : r.dst;
  return [dst, r.gw && `via ${r.gw}`, r.oif !== undefined && `dev ifindex ${r.oif}`, r.table !== undefined && `table ${r.table}`]
    .filter(Boolean)
    .join(" ");
}

function send(h: RtnlHandle, r: Route, type: number, flags: number, verb: string): void {
  const family = parseCidr(r.dst).family;
  const table = r.table ?? RT_TABLE.MAIN;
  const del = type === RTM.DELROUTE;
  // iproute2's defaults: unicast, proto boot; scope link without a gateway; delete matches any scope.
  const scope = r.scope ?? (del ? RT_SCOPE.NOWHERE : r.gw === undefined ? RT_SCOPE.LINK : RT_SCOPE.UNIVERSE);
  const body = rtMsg({
    family,
    dstLen: parseCidr(r.dst).prefix,
    table,
    protocol: r.protocol ?? (del ? RTPROT.UNSPEC : RTPROT.BOOT),
    scope,
    type: r.type ?? (del ? RTN.UNSPEC : RTN.UNICAST),
    flags: r.onlink ? RTNH_F_ONLINK : 0,
  });
  const link = r.oif !== undefined ? `ifindex ${r.oif}` : undefined;
  h.request({ type, flags, body, attrs: routeAttrs(r, table) }, `${verb} route ${describe(r)}`, link);
}

/** EEXIST when it is there already. Equivalent to: `ip route add $dst [via $gw] [dev $oif] [src] [table] [metric] [mtu] [advmss] [onlink]` */
export function routeAdd(h: RtnlHandle, r: Route): void {
  send(h, r, RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, "add");
}

/** Equivalent to: `ip route replace $dst ...` */
export function routeReplace(h: RtnlHandle, r: Route): void {
  send(h, r, RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE, "replace");
}

/** ESRCH when no route matches. Equivalent to: `ip route del $dst [via $gw] [dev $oif] [table $table]` */
export function routeDel(h: RtnlHandle, r: Route): void {
  send(h, r, RTM.DELROUTE, 0, "delete");
}

export interface RouteFilter {
  family?: IpFamily;
  /** A table id, or "all"; default main. */
  table?: number | "all";
  /** Only routes out of this link index. */
  oif?: number;
}

/** Equivalent to: `ip [-4|-6] route show [table $table|all] [dev $oif]` */
export function routeList(h: RtnlHandle, f: RouteFilter = {}): Array<Route & { family: IpFamily; table: number }> {
  const families: IpFamily[] = f.family ? [f.family] : [4, 6];
  const table = f.table ?? RT_TABLE.MAIN;
  return families.flatMap((family) => {
    const body = rtMsg({ family, dstLen: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 });
    const msgs = h.request({ type: RTM.GETROUTE, flags: NLM_F.DUMP, body, attrs: [] }, `list ipv${family} routes`);
    return msgs
      .filter((m) => m.header.type === RTM.NEWROUTE)
      .map(parseRoute)
      .filter((r): r is Route & { family: IpFamily; table: number } => r !== undefined)
      .filter((r) => (table === "all" || r.table === table) && (f.oif === undefined || r.oif === f.oif));
  });
}
