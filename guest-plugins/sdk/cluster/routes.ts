// A controller's routes in the main table: those to destinations it manages (NodeView.manages:
// inside the cluster CIDRs, not this node's subnets) made exactly the wanted ones. Nothing else
// of the table is read for a decision or touched.
import { route, NetnsId, Family } from "../bindings/index";
import { Unit } from "../abi/index";
import { IP, IPNet } from "../netip/index";
import { Done, done, fail, hostErrorToCni, isGone } from "../types/index";
import { describeRoute } from "../ip/index";
import { NodeView } from "./view";
import { difference } from "./sets";

/**
 * What makes two routes the same for a controller: "dst via gw dev onlink", addresses in
 * canonical form (the kernel's and the controller's spellings may differ).
 */
export function routeKey(r: route.RouteInfo): string {
  const dst = IPNet.parse(r.dst);
  let s = dst != null ? dst.masked().toString() : r.dst;
  const gw = r.gw;
  if (gw != null) {
    const g = IP.parse(gw);
    s += " via " + (g != null ? g.toString() : gw);
  }
  const dev = r.dev;
  if (dev != null) s += " dev " + dev;
  if (r.onlink) s += " onlink";
  return s;
}

/**
 * Makes the main table's managed routes exactly `want` (each a route to a managed destination):
 * a wanted route missing is replaced in (so a route to the same destination by another way is
 * swapped in one step, never left without one; through another link, see dropOnOtherLink),
 * then every other managed route is deleted.
 * Run again with the same `want` it changes nothing.
 * Equivalent to: `ip route replace $want...; ip route del $stale...`
 */
export function syncRoutes(ns: NetnsId, want: route.RouteInfo[], view: NodeView): Done {
  const listed = route.list(ns, Family.ALL, false);
  if (listed.isErr) return fail<Unit>(hostErrorToCni(listed.error, "failed to list routes"));
  const have: route.RouteInfo[] = [];
  for (let i = 0; i < listed.value.length; i++) {
    const r = listed.value[i];
    const dst = IPNet.parse(r.dst);
    if (dst != null && isMain(r) && view.manages(dst)) have.push(r);
  }
  const haveKeys = have.map<string>((r) => routeKey(r));
  const wantKeys = want.map<string>((r) => routeKey(r));
  const missing = difference(wantKeys, haveKeys);
  for (let i = 0; i < want.length; i++) {
    if (!missing.includes(wantKeys[i])) continue;
    const moved = dropOnOtherLink(ns, have, want[i]);
    if (moved.isErr) return moved;
    const r = route.replace(ns, want[i]);
    if (r.isErr) return fail<Unit>(hostErrorToCni(r.error, "failed to replace route " + describeRoute(want[i])));
  }
  const stale = difference(haveKeys, wantKeys);
  for (let i = 0; i < have.length; i++) {
    if (!stale.includes(haveKeys[i])) continue;
    const d = route.del(ns, have[i]);
    // Gone already: the replace above took its place, or its link went.
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete route " + describeRoute(have[i])));
  }
  return done();
}

/**
 * Deletes the routes of `have` to `w`'s destination through another link: IPv6 checks an onlink
 * gateway against the table, and the old route, covering that gateway through its own link,
 * makes the kernel refuse the new one ("Nexthop has invalid gateway or device mismatch").
 */
function dropOnOtherLink(ns: NetnsId, have: route.RouteInfo[], w: route.RouteInfo): Done {
  const dst = IPNet.parse(w.dst);
  if (dst == null) return done();
  for (let i = 0; i < have.length; i++) {
    const h = have[i];
    const hd = IPNet.parse(h.dst), dev = h.dev, wdev = w.dev;
    if (hd == null || !hd.masked().equals(dst.masked()) || dev == null || wdev == null || dev == wdev) continue;
    const d = route.del(ns, h);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete route " + describeRoute(h)));
  }
  return done();
}

function isMain(r: route.RouteInfo): bool {
  const t = r.table;
  return t == null || t.value == 254;
}
