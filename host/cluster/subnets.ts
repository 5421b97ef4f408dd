/**
 * Node subnets carved from a cluster CIDR (flannel's subnet.Config: Network + SubnetLen), as
 * pure math: the n-th subnet, the etcd key of one, the first free one from a starting point.
 * Addresses are BigInts so IPv4 and IPv6 take one path.
 */
import { createHash } from "node:crypto";
import { type Cidr, formatIp, parseCidr } from "../kernel/rtnl/inet";

export interface SubnetPool {
  /** The cluster CIDR, as written ("10.244.0.0/16"). */
  cidr: string;
  family: 4 | 6;
  /** The cluster CIDR's first address and prefix length. */
  base: bigint;
  prefix: number;
  /** The prefix length of one node subnet. */
  length: number;
  /** How many node subnets fit. */
  count: bigint;
}

const toBig = (bytes: Uint8Array): bigint => bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);

function toBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** Why `cidr` cannot be split into /`length` subnets, or undefined when it can. */
export function subnetPoolProblem(cidr: string, length: number): string | undefined {
  let c: Cidr;
  try {
    c = parseCidr(cidr);
  } catch {
    return `${JSON.stringify(cidr)} is not a CIDR`;
  }
  const bits = c.bytes.length * 8;
  if (!Number.isInteger(length) || length < c.prefix || length > bits) return `subnet length ${length} must be between ${c.prefix} and ${bits} for ${cidr}`;
  const hostBits = BigInt(bits - c.prefix);
  if ((toBig(c.bytes) & ((1n << hostBits) - 1n)) !== 0n) return `${cidr} has host bits set (the network is ${formatIp(toBytes(toBig(c.bytes) & ~((1n << hostBits) - 1n), c.bytes.length))}/${c.prefix})`;
  return undefined;
}

/** The pool of /`length` subnets of `cidr`; check it with subnetPoolProblem first. */
export function subnetPool(cidr: string, length: number): SubnetPool {
  const problem = subnetPoolProblem(cidr, length);
  if (problem !== undefined) throw new Error(problem);
  const c = parseCidr(cidr);
  return { cidr, family: c.family, base: toBig(c.bytes), prefix: c.prefix, length, count: 1n << BigInt(length - c.prefix) };
}

/** The i-th subnet of the pool, "10.244.3.0/24". */
export function nthSubnet(pool: SubnetPool, i: bigint): string {
  const bytes = pool.family === 4 ? 4 : 16;
  const shift = BigInt(bytes * 8 - pool.length);
  return `${formatIp(toBytes(pool.base + (i << shift), bytes))}/${pool.length}`;
}

/** True when `subnet` is one of the pool's subnets, exactly (as nthSubnet writes it). */
export function inPool(pool: SubnetPool, subnet: string): boolean {
  let c: Cidr;
  try {
    c = parseCidr(subnet);
  } catch {
    return false;
  }
  if (c.family !== pool.family || c.prefix !== pool.length) return false;
  const bits = BigInt(c.bytes.length * 8);
  const v = toBig(c.bytes);
  const offset = v - pool.base;
  if (offset < 0n || (offset >> (bits - BigInt(pool.prefix))) !== 0n) return false;
  return nthSubnet(pool, offset >> (bits - BigInt(pool.length))) === subnet;
}

/** The subnet's name in etcd keys: "10.244.3.0_24" (a "/" would read as a key level). */
export const subnetKeyName = (subnet: string): string => subnet.replace("/", "_");
export const subnetFromKeyName = (name: string): string => name.replace("_", "/");

/**
 * Where a node starts looking in the pool: a hash of its name, so that nodes starting at the
 * same time try different subnets first and rarely race for one (the txn settles it if they do).
 */
export function startIndex(pool: SubnetPool, nodeName: string): bigint {
  return toBig(createHash("sha256").update(nodeName).digest().subarray(0, 16)) % pool.count;
}

/**
 * The first subnet from `start` on (wrapping around) that is not in `taken`, or undefined when
 * every one is taken. Looks at most taken.size + 1 subnets, so a huge IPv6 pool costs nothing.
 */
export function firstFree(pool: SubnetPool, taken: ReadonlySet<string>, start: bigint): string | undefined {
  const tries = BigInt(taken.size) + 1n < pool.count ? BigInt(taken.size) + 1n : pool.count;
  for (let i = 0n; i < tries; i++) {
    const s = nthSubnet(pool, (start + i) % pool.count);
    if (!taken.has(s)) return s;
  }
  return undefined;
}
