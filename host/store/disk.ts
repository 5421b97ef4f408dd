import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BucketIndex, indexDirOf, isErrno } from "./disk-index";
import { checkBucketName, checkDir, checkKey, DEFAULT_STORE_ROOT, type Bucket, type Store } from "./store";

/** Names a value's temporary file, `<key>.tmp-<pid>` (checkKey refuses keys holding it). */
const TMP_INFIX = ".tmp-";

/** Locks an open file: blocks until the exclusive lock is held (flock(2)). */
export type FileLocker = (fd: number) => void;

/**
 * A store of plain files, one per key, in `$dir/$name/` — the layout host-local uses, so an
 * operator can read it with `ls` and `cat`. The bucket's `lock` file carries a flock(2) held
 * until close; values are written to a temporary file and renamed into place.
 *
 * Crash safety (a holder killed at any point, test/integration/security/ipam-crash.test.ts):
 * the kernel drops a dead holder's flock with its last fd, so the bucket is never left locked;
 * a reader sees a value whole or not at all (rename); a temporary file a dead writer left is
 * never read and is removed by the next holder. Not power-loss durable: nothing is fsync'd.
 *
 * `find` and `size` go through an index kept beside the bucket (disk-index.ts), so an ADD
 * reads a few files whatever the number of reservations; the bucket stays host-local's.
 */
export function createDiskStore(lock: FileLocker, root = DEFAULT_STORE_ROOT): Store {
  return {
    open(dir, name) {
      checkDir(dir);
      checkBucketName(name);
      const path = join(dir || root, name);
      mkdirSync(path, { recursive: true, mode: 0o755 });
      const fd = openSync(join(path, "lock"), "a", 0o644);
      try {
        lock(fd);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      const index = new BucketIndex(path, indexDirOf(dir || root, name));
      // A dead writer's temporary file changed the bucket after the last seal.
      if (!index.current) removeDeadWritersFiles(path);
      return diskBucket(path, fd, index);
    },
  };
}

function diskBucket(path: string, lockFd: number, index: BucketIndex): Bucket {
  let open = true;
  const keys = (): string[] => readdirSync(path).filter((k) => k !== "lock" && !k.includes(TMP_INFIX));
  const file = (key: string): string => {
    if (!open) throw new Error(`bucket ${path} is closed`);
    checkKey(key);
    return join(path, key);
  };
  const currentIndex = (): BucketIndex => {
    if (!index.current) index.rebuild(bucket.entries());
    return index;
  };
  /** Runs a change of the bucket, keeping the index in step (or dropping it if it fails). */
  const change = (key: string, before: string | undefined, after: string | undefined, write: () => void): void => {
    index.willChange();
    try {
      write();
    } catch (e) {
      index.abandon();
      throw e;
    }
    index.changed(key, before, after);
  };
  const bucket: Bucket = {
    get(key) {
      try {
        return readFileSync(file(key), "utf8");
      } catch (e) {
        if (isErrno(e, "ENOENT")) return undefined;
        throw e;
      }
    },
    put(key, value) {
      const target = file(key);
      const tmp = `${target}${TMP_INFIX}${process.pid}`;
      change(key, bucket.get(key), value, () => {
        writeFileSync(tmp, value, { mode: 0o600 }); // as host-local: reservations name containers
        renameSync(tmp, target);
      });
    },
    remove(key) {
      const before = bucket.get(key);
      if (before === undefined) return false;
      change(key, before, undefined, () => unlinkSync(file(key)));
      return true;
    },
    entries() {
      if (!open) throw new Error(`bucket ${path} is closed`);
      return keys()
        .sort()
        .map((k): [string, string] => [k, readFileSync(join(path, k), "utf8")]);
    },
    find(values) {
      if (!open) throw new Error(`bucket ${path} is closed`);
      const wanted = new Set(values.map((v) => v.trim()));
      const candidates = new Set([...wanted].flatMap((v) => currentIndex().candidates(v)));
      const found: [string, string][] = [];
      for (const key of [...candidates].sort()) {
        const value = bucket.get(key); // the index names candidates; the file decides
        if (value !== undefined && wanted.has(value.trim())) found.push([key, value]);
      }
      return found;
    },
    size() {
      if (!open) throw new Error(`bucket ${path} is closed`);
      return currentIndex().size();
    },
    close() {
      if (!open) return;
      open = false;
      try {
        index.close();
      } finally {
        closeSync(lockFd); // closing the last fd releases the flock
      }
    },
  };
  return bucket;
}

/**
 * Temporary files exist only while a holder of the lock writes them, so with the lock held any
 * that are there belong to a writer that died between write and rename: litter, never a value.
 */
function removeDeadWritersFiles(path: string): void {
  for (const name of readdirSync(path)) {
    if (!name.includes(TMP_INFIX)) continue;
    try {
      unlinkSync(join(path, name));
    } catch (e) {
      if (!isErrno(e, "ENOENT")) throw e;
    }
  }
}
