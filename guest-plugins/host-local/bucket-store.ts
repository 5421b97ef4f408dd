// The real KeyValueStore: a bucket of the host's `store` capability ($dataDir/$network, one
// file per key, flock held until the call ends; the host picks it from the runtime's config). Host errors become CNI errors here, in one
// place: 11 (try again later) for transient kernel errors, 999 for the rest.
import {
  store, HostError, HostErrorTag, CniError, CniErrorCode, Result, Tuple2, Unit, Done, done, ok, fail, internalError,
  tryAgainLaterError,
} from "@wasm-cni/sdk";
import { KeyValueStore } from "./reservations";

const EINTR: u32 = 4;
const EAGAIN: u32 = 11;
const EBUSY: u32 = 16;

export class BucketStore extends KeyValueStore {
  private constructor(private bucket: u32) {
    super();
  }

  /**
   * Opens and locks the network's bucket. The host derives it from the runtime's config
   * (`ipam.dataDir`, default /var/lib/cni/networks, and the network `name`), not from us.
   */
  static open(): Result<BucketStore, CniError> {
    const b = store.open();
    if (b.isErr) {
      // The host refuses a network name or dataDir it cannot use as a path: a config error.
      const e = storeError("open", b.error);
      if (b.error.isInvalid) e.code = CniErrorCode.INVALID_NETWORK_CONFIG;
      return fail<BucketStore>(e);
    }
    return ok<BucketStore, CniError>(new BucketStore(b.value));
  }

  get(key: string): Result<string | null, CniError> {
    const r = store.get(this.bucket, key);
    if (r.isErr) return fail<string | null>(storeError("read " + key, r.error));
    return ok<string | null, CniError>(r.value);
  }

  find(values: string[]): Result<Array<Tuple2<string, string>>, CniError> {
    const r = store.find(this.bucket, values);
    if (r.isErr) return fail<Array<Tuple2<string, string>>>(storeError("read", r.error));
    return ok<Array<Tuple2<string, string>>, CniError>(r.value);
  }

  entries(): Result<Array<Tuple2<string, string>>, CniError> {
    const r = store.entries(this.bucket);
    if (r.isErr) return fail<Array<Tuple2<string, string>>>(storeError("read", r.error));
    return ok<Array<Tuple2<string, string>>, CniError>(r.value);
  }

  put(key: string, value: string): Done {
    const r = store.put(this.bucket, key, value);
    return r.isErr ? fail<Unit>(storeError("write " + key, r.error)) : done();
  }

  remove(key: string): Result<bool, CniError> {
    const r = store.remove(this.bucket, key);
    if (r.isErr) return fail<bool>(storeError("remove " + key, r.error));
    return ok<bool, CniError>(r.value);
  }
}

/** "host-local: IPAM store write 10.1.0.5: kernel: No space left on device (errno 28)". */
export function storeError(what: string, e: HostError): CniError {
  const msg = "host-local: IPAM store " + what + ": " + describeHostError(e);
  if (e.isKernel) {
    const errno = e.kernel.errno;
    if (errno == EINTR || errno == EAGAIN || errno == EBUSY) return tryAgainLaterError(msg);
  }
  return internalError(msg);
}

/** The case and text of a host error. */
export function describeHostError(e: HostError): string {
  switch (e.tag) {
    case HostErrorTag.NOT_FOUND: return "not found: " + e.notFound;
    case HostErrorTag.EXISTS: return "exists: " + e.exists;
    case HostErrorTag.DENIED: return "denied: " + e.denied;
    case HostErrorTag.INVALID: return "invalid: " + e.invalid;
    case HostErrorTag.NETNS_GONE: return "netns gone: " + e.netnsGone;
  }
  return "kernel: " + e.kernel.message + " (errno " + e.kernel.errno.toString() + ")";
}
