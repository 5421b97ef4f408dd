/**
 * Takes one node subnet from a pool in etcd: `<prefix>/subnets/<subnet>` = node name, put on
 * the node's lease by a txn `create_revision == 0`, so two nodes never hold the same subnet,
 * also when they start at the same time (the loser reads again and takes another).
 */
import type { EtcdClient } from "./etcd";
import { EtcdCompareFailedError } from "./errors";
import { subnetKey, subnetsPrefix } from "./keys";
import { firstFree, inPool, startIndex, subnetFromKeyName, type SubnetPool } from "./subnets";

/** Every subnet of the pool is held by some node. */
export class SubnetsExhaustedError extends Error {
  override readonly name = "SubnetsExhaustedError";
  readonly code = "SUBNETS_EXHAUSTED";
  constructor(pool: SubnetPool, holders: readonly string[]) {
    super(`cluster CIDR ${pool.cidr} has no free /${pool.length} subnet: all ${pool.count} are held (by ${holders.join(", ")})`);
  }
}

export interface ClaimRequest {
  prefix: string;
  pool: SubnetPool;
  nodeName: string;
  lease: string;
  /** The subnet this node had before (stateDir), tried first. */
  remembered?: string;
}

/** Races lost in a row before giving up: only a storm of nodes starting at once gets near it. */
const MAX_LOST_RACES = 100;

/** Claims a subnet for the node and answers it. */
export async function claimSubnet(client: EtcdClient, r: ClaimRequest): Promise<string> {
  if (r.remembered !== undefined && inPool(r.pool, r.remembered) && (await tryClaim(client, r, r.remembered))) return r.remembered;
  for (let lost = 0; lost < MAX_LOST_RACES; lost++) {
    const { kvs } = await client.range(subnetsPrefix(r.prefix), { prefix: true });
    const held = new Map(kvs.map((kv) => [subnetFromKeyName(kv.key.slice(subnetsPrefix(r.prefix).length)), kv.value]));
    // A subnet of the pool that already names this node (a restart with stateDir lost): take it back.
    const own = [...held].find(([subnet, holder]) => holder === r.nodeName && inPool(r.pool, subnet));
    const pick = own?.[0] ?? firstFree(r.pool, new Set(held.keys()), startIndex(r.pool, r.nodeName));
    if (pick === undefined) throw new SubnetsExhaustedError(r.pool, [...new Set(held.values())].sort());
    if (await tryClaim(client, r, pick)) return pick;
  }
  throw new Error(`could not claim a subnet of ${r.pool.cidr}: lost ${MAX_LOST_RACES} races in a row to other nodes`);
}

/**
 * Puts the subnet's key on the node's lease if it is free, or if it already holds this node's
 * name (left by this node's previous lease); false when another node holds it.
 */
async function tryClaim(client: EtcdClient, r: ClaimRequest, subnet: string): Promise<boolean> {
  const key = subnetKey(r.prefix, subnet);
  try {
    await client.create(key, r.nodeName, { lease: r.lease });
    return true;
  } catch (e) {
    if (!(e instanceof EtcdCompareFailedError)) throw e;
    if (e.current?.value !== r.nodeName) return false;
    try {
      // Ours from before: move it to the new lease, unless it changed hands meanwhile.
      await client.replace(key, r.nodeName, e.current.modRevision, { lease: r.lease });
      return true;
    } catch (e2) {
      if (e2 instanceof EtcdCompareFailedError) return false;
      throw e2;
    }
  }
}
