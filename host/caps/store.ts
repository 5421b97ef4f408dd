import type * as StoreCaps from "../generated/interfaces/cni-host-store";
import type { Bucket } from "../store/store";
import { type CallContext, hostCall } from "./context";
import { invalid } from "./errors";

/** cni:host/store — durable IPAM state; a bucket stays locked until the plugin's call ends. */
export function createStoreCaps(ctx: CallContext): typeof StoreCaps {
  const bucket = (b: number): Bucket => {
    const found = Number.isInteger(b) ? ctx.buckets[b] : undefined;
    if (!found) throw invalid(`bucket ${b} was not opened in this call`);
    return found;
  };
  return {
    open: hostCall(ctx, "store.open", (dir: string, name: string) => ctx.buckets.push(ctx.store.open(dir, name)) - 1),
    get: hostCall(ctx, "store.get", (b: number, key: string) => bucket(b).get(key)),
    put: hostCall(ctx, "store.put", (b: number, key: string, value: string) => bucket(b).put(key, value)),
    remove: hostCall(ctx, "store.remove", (b: number, key: string) => bucket(b).remove(key)),
    entries: hostCall(ctx, "store.entries", (b: number) => bucket(b).entries()),
  };
}
