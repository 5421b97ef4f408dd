/**
 * The result of spec 0.1.0 and 0.2.0, after libcni's pkg/types/020: one `ip4` and one `ip6`
 * object, each with its address (`ip`), gateway and the routes of its family; no interfaces.
 */
import * as z from "zod/mini";
import { cidrString, goFamily, ipString } from "./ip-format";
import { copyDns, dnsSchema, plainRoute, routeSchema } from "./result-parts";
import type { ResultV110 } from "./v100";

function ipConfigV020() {
  return z.object({
    ip: cidrString,
    gateway: z.optional(ipString),
    routes: z.optional(z.array(routeSchema)),
  });
}

/**
 * Built on demand, not at load: only a 0.x prevResult needs it, and every schema built at
 * startup is paid by every call.
 */
export function resultV020Schema() {
  return z.object({
    cniVersion: z.optional(z.string()),
    ip4: z.optional(ipConfigV020()),
    ip6: z.optional(ipConfigV020()),
    dns: z.optional(dnsSchema),
  });
}

export type ResultV020 = z.infer<ReturnType<typeof resultV020Schema>>;
type IpConfigV020 = z.infer<ReturnType<typeof ipConfigV020>>;

/** libcni's convertFrom02x: ip4 then ip6 become `ips`, their routes one list in that order. */
export function liftV020(r: ResultV020): ResultV110 {
  const out: ResultV110 = {};
  const configs = [r.ip4, r.ip6].filter((c) => c !== undefined);
  if (configs.length > 0) {
    out.ips = configs.map((c) => (c.gateway === undefined ? { address: c.ip } : { address: c.ip, gateway: c.gateway }));
  }
  const routes = configs.flatMap((c) => c.routes ?? []).map(plainRoute);
  if (routes.length > 0) out.routes = routes;
  const dns = copyDns(r.dns);
  if (dns !== undefined) out.dns = dns;
  return out;
}

/**
 * libcni's convertTo02x: the first address of each family (later ones are dropped, as 0.2.0
 * holds one), each route under the family of its `dst` and dropped when that family has no
 * address. Undefined when there is no address at all, which libcni refuses:
 * "cannot convert: no valid IP addresses".
 */
export function lowerToV020(r: ResultV110): Omit<ResultV020, "cniVersion"> | undefined {
  const byFamily: { 4?: IpConfigV020; 6?: IpConfigV020 } = {};
  for (const ip of r.ips ?? []) {
    const family = goFamily(ip.address);
    if (byFamily[family] !== undefined) continue;
    byFamily[family] = ip.gateway === undefined ? { ip: ip.address } : { ip: ip.address, gateway: ip.gateway };
  }
  const { 4: ip4, 6: ip6 } = byFamily;
  if (ip4 === undefined && ip6 === undefined) return undefined;
  for (const route of r.routes ?? []) {
    const config = goFamily(route.dst) === 4 ? ip4 : ip6;
    if (config !== undefined) (config.routes ??= []).push(plainRoute(route));
  }
  return {
    ...(ip4 !== undefined && { ip4 }),
    ...(ip6 !== undefined && { ip6 }),
    dns: copyDns(r.dns) ?? {},
  };
}
