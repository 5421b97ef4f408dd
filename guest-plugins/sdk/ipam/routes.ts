// Reading the `routes` list of an IPAM config ([{dst, gw}], libcni's types.Route), which an
// IPAM plugin copies into its result. Bad entries are recorded with their path and left out.
import { ArrayReader, ObjectReader } from "../json/index";
import { Route, readCidr, optIP } from "../types/index";
import { E_SCOPE } from "./errors";

/** The routes under `key` of `r` ([] when absent); e.g. readRoutes(ipam) for `ipam.routes`. */
export function readRoutes(r: ObjectReader, key: string = "routes"): Route[] {
  const out: Route[] = [];
  const list = r.optArray(key);
  if (list == null) return out;
  for (let i = 0; i < list.length; i++) {
    const rt = routeAt(list, i);
    if (rt != null) out.push(rt);
  }
  return out;
}

/** Item i as a route: `dst` required; `gw`, `mtu`, `advmss`, `priority`, `table`, `scope` optional. */
function routeAt(list: ArrayReader, i: i32): Route | null {
  const o = list.objectAt(i);
  if (o == null) return null;
  const dst = readCidr(o, "dst");
  const gw = optIP(o, "gw");
  const mtu = o.optU32("mtu"), advmss = o.optU32("advmss"), priority = o.optU32("priority");
  const table: i64 = o.has("table") ? <i64>o.optU32("table") : -1;
  const scope: i32 = o.has("scope") ? <i32>scopeOf(o) : -1;
  if (dst == null) return null;
  const rt = new Route(dst, gw);
  rt.mtu = mtu; rt.advmss = advmss; rt.priority = priority; rt.table = table; rt.scope = scope;
  return rt;
}

/** A route scope is a byte (0 universe … 254 host); out of range is recorded. */
function scopeOf(o: ObjectReader): u32 {
  const v = o.optU32("scope");
  if (v > 255) { o.fail("scope", E_SCOPE); return 0; }
  return v;
}
