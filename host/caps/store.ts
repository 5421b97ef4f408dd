import { join } from "node:path";
import type * as StoreCaps from "../generated/interfaces/cni-host-store";
import { formatBytes, LimitError } from "../runtime/limits";
import { checkBucketName, DEFAULT_STORE_ROOT, type Bucket, type Store } from "../store/store";
import { type CallContext, hostCall } from "./context";
import { invalid } from "./errors";

/** Values one store.find may ask for: an owner and its legacy forms, not a query language. */
const MAX_FIND_VALUES = 8;

/** Where a plugin that is not the network's IPAM plugin keeps buckets of its own. */
export const PLUGIN_STORE_ROOT = "/var/lib/cni/wasm-cni";

/** Where a bucket is: `dir` ("" for the store's default root) and the bucket's name. */
interface BucketPlace {
  dir: string;
  name: string;
}

/**
 * The bucket of this call, from the runtime's config only (a plugin names nothing but keys):
 * the network's IPAM state, `$ipam.dataDir/$name` (host-local's layout), belongs to the plugin
 * the operator named in `ipam.type`; any other plugin gets its own, `PLUGIN_STORE_ROOT/$plugin/$name`,
 * so that it can neither read nor change the network's reservations.
 */
export function bucketPlace(ctx: Pick<CallContext, "plugin" | "network">): BucketPlace {
  const net = ctx.network;
  if (net.ipamType !== ctx.plugin) {
    checkBucketName(ctx.plugin);
    return { dir: join(PLUGIN_STORE_ROOT, ctx.plugin), name: net.name };
  }
  if (net.dataDir !== undefined && typeof net.dataDir !== "string") {
    throw invalid(`ipam.dataDir of network ${net.name} must be a string`);
  }
  return { dir: net.dataDir ?? "", name: net.name }; // the store checks dir (checkDir)
}

/**
 * cni:host/store — durable IPAM state; a bucket stays locked until the plugin's call ends.
 * Every put and remove of an ADD is journalled with the value it replaced, so a failed ADD
 * leaves the bucket as it found it (and ipam.del during ADD undoes the IPAM plugin's own).
 * Writes count against the grant's store quota; a hit ends the call (LimitError).
 */
export function createStoreCaps(ctx: CallContext): typeof StoreCaps {
  const opened: { bucket: Bucket; place: BucketPlace }[] = [];
  const bucket = (b: number): { bucket: Bucket; place: BucketPlace } => {
    const found = Number.isInteger(b) ? opened[b] : undefined;
    if (!found) throw invalid(`bucket ${b} was not opened in this call`);
    return found;
  };
  const tag = `store:${ctx.plugin}`;
  return {
    open: hostCall(ctx, "store.open", () => {
      const place = bucketPlace(ctx);
      const b = ctx.store.open(place.dir, place.name);
      ctx.buckets.push(b); // closed when the instance ends
      return opened.push({ bucket: b, place }) - 1;
    }),
    get: hostCall(ctx, "store.get", (b: number, key: string) => bucket(b).bucket.get(key)),
    put: hostCall(ctx, "store.put", (b: number, key: string, value: string) => {
      const { bucket: bk, place } = bucket(b);
      const before = bk.get(key); // checks the key
      checkQuota(ctx, bk, key, value, before === undefined);
      bk.put(key, value);
      ctx.journal.record(`store.put ${key} in ${describe(place)}`, () => withBucket(ctx.store, place, (again) => {
        if (again.get(key) !== value) throw new Error(`${key} was changed by another call since; left as it is`);
        if (before === undefined) again.remove(key);
        else again.put(key, before);
      }), tag);
    }),
    remove: hostCall(ctx, "store.remove", (b: number, key: string) => {
      const { bucket: bk, place } = bucket(b);
      const before = bk.get(key);
      if (before === undefined) return false;
      bk.remove(key);
      ctx.journal.record(`store.remove ${key} in ${describe(place)}`, () => withBucket(ctx.store, place, (again) => {
        if (again.get(key) !== undefined) throw new Error(`${key} was taken by another call since; left as it is`);
        again.put(key, before);
      }), tag);
      return true;
    }),
    entries: hostCall(ctx, "store.entries", (b: number) => bucket(b).bucket.entries()),
    find: hostCall(ctx, "store.find", (b: number, values: string[]) => {
      if (values.length === 0 || values.length > MAX_FIND_VALUES) throw invalid(`store.find takes 1 to ${MAX_FIND_VALUES} values, not ${values.length}`);
      return bucket(b).bucket.find(values);
    }),
  };
}

/** The store quota of the plugin's grant; a hit is a LimitError, which ends the call. */
function checkQuota(ctx: CallContext, b: Bucket, key: string, value: string, isNew: boolean): void {
  const { grant, plugin } = ctx;
  const valueBytes = Buffer.byteLength(value);
  if (valueBytes > grant.storeValueBytes) {
    throw new LimitError(plugin, "storeValueBytes",
      `plugin "${plugin}" wrote a store value of ${formatBytes(valueBytes)} (key ${key}), over its limit of storeValueBytes ${grant.storeValueBytes}`);
  }
  if (isNew && b.size() >= grant.storeKeysPerBucket) {
    throw new LimitError(plugin, "storeKeysPerBucket",
      `plugin "${plugin}" added store key ${key} to a bucket that holds its limit of storeKeysPerBucket ${grant.storeKeysPerBucket} keys`);
  }
  const written = (ctx.storeWritten.get(plugin) ?? 0) + Buffer.byteLength(key) + valueBytes;
  if (written > grant.storeBytesPerCall) {
    throw new LimitError(plugin, "storeBytesPerCall",
      `plugin "${plugin}" wrote store key ${key} past its limit of storeBytesPerCall ${grant.storeBytesPerCall} (${formatBytes(grant.storeBytesPerCall)}) in this call`);
  }
  ctx.storeWritten.set(plugin, written);
}

/**
 * Runs an undo with the bucket open and locked again: the instance that made the change has
 * ended and released the lock (it runs under the lock like any call, and holding it until
 * the whole ADD ends would queue every other call on the network behind this one's netlink
 * work). Another call may have changed the key in between; the undo then leaves it (the
 * caller compares first), as the newer change wins.
 */
function withBucket(store: Store, place: BucketPlace, undo: (b: Bucket) => void): void {
  const b = store.open(place.dir, place.name);
  try {
    undo(b);
  } finally {
    b.close();
  }
}

function describe(place: BucketPlace): string {
  return join(place.dir || DEFAULT_STORE_ROOT, place.name);
}
