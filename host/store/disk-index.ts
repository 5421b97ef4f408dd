import { mkdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** First line of the seal; a seal in any other format is not trusted. */
const FORMAT = "wasm-cni store index 1";

/**
 * The index of a disk bucket beside it: `$dir/.wasm-cni-index/$name`. Not in the bucket,
 * where Go's host-local (which walks it recursively and matches every file's text), older
 * wasm-cni versions (which read every file in it as a value) and `ls` would see it. No bucket
 * can have that name: bucket names start with a letter or a digit.
 */
export function indexDirOf(dir: string, name: string): string {
  return join(dir, ".wasm-cni-index", name);
}

/**
 * Which keys hold which value, so that `find` reads the files of the keys it returns and not
 * the bucket, and `size` counts without a readdir: an ADD's store work stays the same at pod
 * 1000 as at pod 1. One file per value (`v-` and a hash of the value, trimmed) lists its keys;
 * the `seal` file holds the key count and the bucket directory's mtime when the index was
 * last brought up to date.
 *
 * Why the mtime, and why it is set back: every writer of a bucket (this store, older versions,
 * Go's host-local, an operator) creates, renames or removes a file in it to change it, and the
 * kernel then sets the directory's mtime to the current time. On close, while the lock still
 * keeps other writers out, the store sets that mtime one second back and seals the value it
 * reads back. Any later change sets a time at or after the real one, never the sealed one,
 * even within the same clock tick, so an index whose seal differs from the directory is
 * rebuilt from the files. A value rewritten in place (no file created, renamed or removed)
 * is not seen; Go's host-local does that only to `last_reserved_ip`, and only after creating
 * a reservation in the same call.
 *
 * Crash safety: the seal is removed before the first change of a call and written last, so a
 * holder killed at any step leaves no seal and the next holder rebuilds. The index only ever
 * names candidates: `find` reads each key it lists and keeps those that hold the value.
 */
export class BucketIndex {
  /** The keys of each value file read or changed in this call, by file name. */
  private readonly keysByFile = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  /** "sealed": the files on disk are current; "built": kept in memory, written on close. */
  private state: "sealed" | "stale" | "built";
  private count: number;
  /** True once the seal has been removed in this call. */
  private unsealed = false;

  /** Reads the seal of the index in `dir` of the bucket in `bucketDir`; only with the bucket's lock held. */
  constructor(private readonly bucketDir: string, private readonly dir: string) {
    const seal = readSeal(dir);
    const sealed = seal !== undefined && seal.mtimeNs === statSync(bucketDir, { bigint: true }).mtimeNs;
    this.state = sealed ? "sealed" : "stale";
    this.count = sealed ? seal.count : 0;
  }

  /** False when another writer (or a crash) changed the bucket since the last seal. */
  get current(): boolean {
    return this.state !== "stale";
  }

  /** Builds the index from every entry of the bucket (after a change it did not see). */
  rebuild(entries: [string, string][]): void {
    this.unseal();
    rmSync(this.dir, { recursive: true, force: true });
    this.keysByFile.clear();
    for (const [key, value] of entries) {
      const file = fileOf(value);
      const keys = this.keysByFile.get(file) ?? new Set<string>();
      this.keysByFile.set(file, keys.add(key));
      this.dirty.add(file);
    }
    this.count = entries.length;
    this.state = "built";
  }

  /** Keys that may hold `value` (trimmed); callers read each one to be sure. */
  candidates(value: string): string[] {
    this.requireCurrent();
    return [...this.keysOf(fileOf(value))];
  }

  size(): number {
    this.requireCurrent();
    return this.count;
  }

  /** Called before a key of the bucket changes: the bucket's mtime moves, the seal goes. */
  willChange(): void {
    this.unseal();
    if (this.state === "sealed") this.state = "built";
  }

  /** Records a change of `key` from `before` to `after` (undefined: absent). */
  changed(key: string, before: string | undefined, after: string | undefined): void {
    if (this.state === "stale") return; // rebuilt from the files when next needed
    if (before === undefined && after !== undefined) this.count++;
    if (before !== undefined && after === undefined) this.count--;
    if (before !== undefined && after !== undefined && before.trim() === after.trim()) return;
    if (before !== undefined) this.touch(fileOf(before)).delete(key);
    if (after !== undefined) this.touch(fileOf(after)).add(key);
  }

  /** A write failed half way: leave no seal, so the next holder rebuilds. */
  abandon(): void {
    this.unseal();
    this.state = "stale";
  }

  /**
   * Writes what changed and seals, with the lock still held (see the class comment). A
   * failure leaves the index unsealed, which costs the next holder a rebuild, not a wrong answer.
   */
  close(): void {
    if (this.state !== "built") return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      for (const file of this.dirty) {
        const keys = [...this.keysByFile.get(file)!].sort();
        if (keys.length === 0) removeIfThere(join(this.dir, file));
        else writeAtomically(join(this.dir, file), keys.join("\n") + "\n");
      }
      const changedAt = statSync(this.bucketDir, { bigint: true });
      const back = Number(changedAt.mtimeNs / 1_000_000n) / 1000 - 1;
      utimesSync(this.bucketDir, Number(changedAt.atimeNs / 1_000_000n) / 1000, back);
      const sealedAt = statSync(this.bucketDir, { bigint: true }).mtimeNs;
      // A file system whose times are too coarse to go back a second cannot be sealed.
      if (sealedAt >= changedAt.mtimeNs) return;
      writeAtomically(join(this.dir, "seal"), `${FORMAT}\n${sealedAt}\n${this.count}\n`);
    } catch {
      // An index is a cache: left unsealed, the next holder rebuilds it from the bucket.
    }
  }

  private requireCurrent(): void {
    if (this.state === "stale") throw new Error("the bucket's index is stale: rebuild it first");
  }

  private unseal(): void {
    if (this.unsealed) return;
    removeIfThere(join(this.dir, "seal"));
    this.unsealed = true;
  }

  private touch(file: string): Set<string> {
    this.dirty.add(file);
    return this.keysOf(file);
  }

  private keysOf(file: string): Set<string> {
    let keys = this.keysByFile.get(file);
    if (keys === undefined) {
      keys = new Set(readLines(join(this.dir, file)));
      this.keysByFile.set(file, keys);
    }
    return keys;
  }
}

/**
 * The index file of a value: its trimmed text hashed, so any value makes a safe file name.
 * Two FNV-1a hashes, not node:crypto, which would cost every cold call ~2 ms to load. Values
 * that collide share a file, which costs reads, never answers: `find` checks each key's file.
 */
function fileOf(value: string): string {
  const text = value.trim();
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return "v-" + (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

function readSeal(dir: string): { mtimeNs: bigint; count: number } | undefined {
  const text = readIfThere(join(dir, "seal"));
  const m = text === undefined ? null : /^(.*)\n(\d+)\n(\d+)\n$/.exec(text);
  if (!m || m[1] !== FORMAT) return undefined;
  return { mtimeNs: BigInt(m[2]!), count: Number(m[3]) };
}

function readLines(path: string): string[] {
  return (readIfThere(path) ?? "").split("\n").filter((k) => k !== "");
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if (isErrno(e, "ENOENT")) return undefined;
    throw e;
  }
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (!isErrno(e, "ENOENT")) throw e;
  }
}

export function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
