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

/**
 * The family libcni gives an address or CIDR when it writes `ips[].version` or splits routes
 * for 0.2.0: Go's `IP.To4() != nil`, which also counts IPv4-mapped IPv6 (::ffff:10.0.0.1)
 * as IPv4. Expects a valid address (schemas check first); anything else counts as IPv6.
 */
export function goFamily(addressOrCidr: string): 4 | 6 {
  const slash = addressOrCidr.indexOf("/");
  const ip = tryParseIp(slash < 0 ? addressOrCidr : addressOrCidr.slice(0, slash));
  if (ip === undefined) return 6;
  if (ip.family === 4) return 4;
  const b = ip.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return 6;
  return b[10] === 0xff && b[11] === 0xff ? 4 : 6;
}
