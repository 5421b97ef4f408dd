/**
 * IP and CIDR checks for zod schemas, with messages that read after a field name
 * (`field "ips[0].address" must be ...`). zod's own cidrv4/cidrv6 union reports only
 * "Invalid input", so the formats are checked here.
 */
// Not node:net's isIP: loading node:net costs ~5 ms of every call's start.
import { tryParseIp } from "../kernel/rtnl/inet";
import * as z from "zod/mini";

/** An IP address without a zone ("fe80::1%eth0"): Go's net.ParseIP rejects zones, so we do. */
export function ipFamily(s: string): 0 | 4 | 6 {
  return tryParseIp(s)?.family ?? 0;
}

/** "10.1.0.2/24" or "fd00::2/64"; host bits may be set, as Go's net.ParseCIDR allows. */
export function isCidr(s: string): boolean {
  const slash = s.lastIndexOf("/");
  if (slash < 0) return false;
  const family = ipFamily(s.slice(0, slash));
  const prefix = s.slice(slash + 1);
  if (family === 0 || !/^(0|[1-9]\d{0,2})$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export const ipString = z.string().check(z.refine((s) => ipFamily(s) !== 0, { message: "must be an IPv4 or IPv6 address" }));

export const cidrString = z
  .string()
  .check(z.refine(isCidr, { message: "must be an IP address in CIDR notation (e.g. 10.1.0.2/24)" }));
