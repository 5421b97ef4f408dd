// Config fields that hold addresses, read through the json folder's ObjectReader so that a
// bad value is reported with its path: `field "ipam.ranges[0][0].subnet" must be a CIDR ...`.
import { ObjectReader, ArrayReader } from "../json/index";
import { IP, IPNet } from "../netip/index";
import { E_MUST_CIDR, E_MUST_IP } from "./errors";

/** A required CIDR member ("10.1.0.5/24"; host bits are kept); null when absent or bad. */
export function readCidr(r: ObjectReader, key: string): IPNet | null {
  return optCidr(r, key, true);
}

/** An optional CIDR member; null when absent (no problem recorded) or bad (recorded). */
export function optCidr(r: ObjectReader, key: string, required: bool = false): IPNet | null {
  if (!r.has(key)) {
    if (required) r.string(key); // records "is required"
    return null;
  }
  const s = r.string(key);
  if (!r.raw(key)!.isString()) return null;
  const n = IPNet.parse(s);
  if (n == null) r.fail(key, E_MUST_CIDR);
  return n;
}

/** A required IP address member; null when absent or bad. */
export function readIP(r: ObjectReader, key: string): IP | null {
  return optIP(r, key, true);
}

/** An optional IP address member; null when absent (no problem recorded) or bad (recorded). */
export function optIP(r: ObjectReader, key: string, required: bool = false): IP | null {
  if (!r.has(key)) {
    if (required) r.string(key);
    return null;
  }
  const s = r.string(key);
  if (!r.raw(key)!.isString()) return null;
  const ip = IP.parse(s);
  if (ip == null) r.fail(key, E_MUST_IP);
  return ip;
}

/** Item i of an array as a CIDR; null (recorded) when it is not one. */
export function cidrAt(a: ArrayReader, i: i32): IPNet | null {
  const s = a.stringAt(i);
  if (s == null) return null;
  const n = IPNet.parse(s);
  if (n == null) a.fail(i, E_MUST_CIDR);
  return n;
}

/** Item i of an array as an IP address; null (recorded) when it is not one. */
export function ipAt(a: ArrayReader, i: i32): IP | null {
  const s = a.stringAt(i);
  if (s == null) return null;
  const ip = IP.parse(s);
  if (ip == null) a.fail(i, E_MUST_IP);
  return ip;
}
