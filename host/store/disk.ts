import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkBucketName, checkDir, checkKey, DEFAULT_STORE_ROOT, type Bucket, type Store } from "./store";

/** Locks an open file: blocks until the exclusive lock is held (flock(2)). */
export type FileLocker = (fd: number) => void;

/**
 * A store of plain files, one per key, in `$dir/$name/` — the layout host-local uses, so an
 * operator can read it with `ls` and `cat`. The bucket's `lock` file carries a flock(2) held
 * until close; values are written to a temporary file and renamed into place.
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
      return diskBucket(path, fd);
    },
  };
}

function diskBucket(path: string, lockFd: number): Bucket {
  let open = true;
  const file = (key: string): string => {
    if (!open) throw new Error(`bucket ${path} is closed`);
    checkKey(key);
    return join(path, key);
  };
  return {
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
      const tmp = `${target}.tmp-${process.pid}`;
      writeFileSync(tmp, value, { mode: 0o600 }); // as host-local: reservations name containers
      renameSync(tmp, target);
    },
    remove(key) {
      try {
        unlinkSync(file(key));
        return true;
      } catch (e) {
        if (isErrno(e, "ENOENT")) return false;
        throw e;
      }
    },
    entries() {
      if (!open) throw new Error(`bucket ${path} is closed`);
      return readdirSync(path)
        .filter((k) => k !== "lock" && !k.includes(".tmp-"))
        .sort()
        .map((k): [string, string] => [k, readFileSync(join(path, k), "utf8")]);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(lockFd); // closing the last fd releases the flock
    },
  };
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
