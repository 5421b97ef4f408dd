/**
 * The pieces every result version shares, after libcni's pkg/types (types.go: DNS, Route):
 * `dns` and the `dst`/`gw` route did not change from 0.1.0 to 1.1.0, so v020, v040 and v100
 * build on these instead of each declaring its own.
 */
import * as z from "zod/mini";
import { cidrString, ipString } from "./ip-format";

/** JSON numbers that must be whole and non-negative (mtu, table, interface index). */
export const uint = z.int().check(z.nonnegative());

export const dnsSchema = z.object({
  nameservers: z.optional(z.array(z.string())),
  domain: z.optional(z.string()),
  search: z.optional(z.array(z.string())),
  options: z.optional(z.array(z.string())),
});

export type Dns = z.infer<typeof dnsSchema>;

/** A route as every version up to 1.0.0 defines it; 1.1.0 extends it. */
export const routeSchema = z.object({
  dst: cidrString,
  gw: z.optional(ipString),
});

export type Route = z.infer<typeof routeSchema>;

/** libcni's DNS.IsEmpty: no key holds a value. */
export function isEmptyDns(dns: Dns | undefined): boolean {
  if (dns === undefined) return true;
  return !dns.domain && !dns.nameservers?.length && !dns.search?.length && !dns.options?.length;
}

/**
 * A copy of `dns` in Go's key order without empty values (the fields are omitempty), or
 * undefined when nothing is left.
 */
export function copyDns(dns: Dns | undefined): Dns | undefined {
  if (dns === undefined || isEmptyDns(dns)) return undefined;
  const out: Dns = {};
  if (dns.nameservers?.length) out.nameservers = [...dns.nameservers];
  if (dns.domain) out.domain = dns.domain;
  if (dns.search?.length) out.search = [...dns.search];
  if (dns.options?.length) out.options = [...dns.options];
  return out;
}

/** A route with only the fields every version defines, in Go's key order. */
export function plainRoute(route: Route): Route {
  return route.gw === undefined ? { dst: route.dst } : { dst: route.dst, gw: route.gw };
}
