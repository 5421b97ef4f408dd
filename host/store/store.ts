/**
 * Durable key/value state for IPAM plugins, in buckets (one per network, like host-local's
 * `$dataDir/$network`). A bucket is opened under an exclusive lock that is held until it is
 * closed, so concurrent calls on one network run their allocation one after the other.
 */
export interface Bucket {
  get(key: string): string | undefined;
  /** Writes atomically: a reader sees the old value or the new one, never a mix. */
  put(key: string, value: string): void;
  /** False when the key was not there. */
  remove(key: string): boolean;
  entries(): [string, string][];
  /**
   * The entries whose value, surrounding whitespace trimmed, is one of `values`, in key order:
   * an owner lookup whose cost does not grow with the bucket.
   */
  find(values: string[]): [string, string][];
  /** How many keys it holds (for the store quota). */
  size(): number;
  /** Releases the lock. */
  close(): void;
}

/**
 * Buckets by place. Which bucket a plugin may open is the caller's business (host/caps/store.ts
 * derives it from the runtime's config); the store checks only that the place is a clean path.
 */
export interface Store {
  /** Opens (creating it if needed) bucket `name` under `dir` ("" = the default root). */
  open(dir: string, name: string): Bucket;
}

/** Where buckets live when the plugin names no dataDir (host-local's default). */
export const DEFAULT_STORE_ROOT = "/var/lib/cni/networks";

/** Bucket names follow CNI network names; keys are file names (IPs, "last_reserved_ip.0"). */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const KEY_RE = /^[A-Za-z0-9_.:-]+$/;

export class StoreArgumentError extends Error {
  override readonly name = "StoreArgumentError";
}

export function checkBucketName(name: string): void {
  if (!NAME_RE.test(name) || name.length > 255) {
    throw new StoreArgumentError(`bucket name ${JSON.stringify(name)} is not a valid network name`);
  }
}

export function checkKey(key: string): void {
  if (!KEY_RE.test(key) || key === "." || key === ".." || key === "lock" || key.length > 255 || key.includes(".tmp-")) {
    throw new StoreArgumentError(`key ${JSON.stringify(key)} is not allowed (letters, digits, "_.:-"; not "lock")`);
  }
}

/** A data dir must be absolute and normalised: no "..", no "//", no trailing "/". */
export function checkDir(dir: string): void {
  if (dir === "") return;
  const ok = dir.startsWith("/") && !dir.split("/").slice(1).some((s) => s === "" || s === "." || s === "..");
  if (!ok || dir.length > 4096) {
    throw new StoreArgumentError(`data dir ${JSON.stringify(dir)} must be an absolute path without "." or ".." parts`);
  }
}
