import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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
      removeDeadWritersFiles(path);
      return diskBucket(path, fd);
    },
  };
}

function diskBucket(path: string, lockFd: number): Bucket {
  let open = true;
  /** Keys held, counted on first need (one readdir) and kept up to date while the lock is held. */
  let count: number | undefined;
  const keys = (): string[] => readdirSync(path).filter((k) => k !== "lock" && !k.includes(TMP_INFIX));
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
      const tmp = `${target}${TMP_INFIX}${process.pid}`;
      const isNew = count !== undefined && !existsSync(target);
      writeFileSync(tmp, value, { mode: 0o600 }); // as host-local: reservations name containers
      renameSync(tmp, target);
      if (isNew) count = count! + 1;
    },
    remove(key) {
      try {
        unlinkSync(file(key));
        if (count !== undefined) count--;
        return true;
      } catch (e) {
        if (isErrno(e, "ENOENT")) return false;
        throw e;
      }
    },
    entries() {
      if (!open) throw new Error(`bucket ${path} is closed`);
      return keys()
        .sort()
        .map((k): [string, string] => [k, readFileSync(join(path, k), "utf8")]);
    },
    size() {
      if (!open) throw new Error(`bucket ${path} is closed`);
      count ??= keys().length;
      return count;
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(lockFd); // closing the last fd releases the flock
    },
  };
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

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
