// The owner index of the disk store (host/store/disk-index.ts): `find` and `size` must give
// what a read of every file would give, after any writer changed the bucket in any way the
// index did not see, and after a holder died at any step.
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDiskStore } from "../../../host/store/disk";
import { indexDirOf } from "../../../host/store/disk-index";
import type { Bucket, Store } from "../../../host/store/store";

let root: string;
let store: Store;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "wasm-cni-index-"));
  store = createDiskStore(() => {}, root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const bucketDir = () => join(root, "net");
const indexDir = () => indexDirOf(root, "net");
const owner = (id: string, ifname = "eth0") => `${id}\r\n${ifname}`;

/** Opens the bucket, runs `fn`, closes it (which seals the index). */
function withBucket<T>(fn: (b: Bucket) => T): T {
  const b = store.open("", "net");
  try {
    return fn(b);
  } finally {
    b.close();
  }
}

/** What find must return: a read of every file, as Go's host-local does. */
function scan(values: string[]): [string, string][] {
  const wanted = new Set(values.map((v) => v.trim()));
  return withBucket((b) => b.entries().filter(([, v]) => wanted.has(v.trim())));
}

/** A bucket of `n` reservations, two keys per owner, sealed. */
function fill(n: number): void {
  withBucket((b) => {
    for (let i = 0; i < n; i++) b.put(`10.1.${i >> 8}.${i & 255}`, owner(`ctr${i >> 1}`));
    b.find([owner("ctr0")]); // builds the index
  });
}

describe("disk store find", () => {
  it("returns the keys of an owner in key order, trimmed values matching, and nothing else", () => {
    withBucket((b) => {
      b.put("10.1.0.3", owner("a"));
      b.put("10.1.0.2", ` ${owner("a")}\n`);
      b.put("fd00::2", owner("b"));
      b.put("last_reserved_ip.0", "10.1.0.3");
      expect(b.find([owner("a")])).toEqual([["10.1.0.2", ` ${owner("a")}\n`], ["10.1.0.3", owner("a")]]);
      expect(b.find([owner("b"), "a"])).toEqual([["fd00::2", owner("b")]]);
      expect(b.find(["10.1.0.3"])).toEqual([["last_reserved_ip.0", "10.1.0.3"]]);
      expect(b.find(["nobody"])).toEqual([]);
    });
  });

  it("follows puts and removes within a call and across calls", () => {
    withBucket((b) => {
      b.put("10.1.0.2", owner("a"));
      expect(b.find([owner("a")])).toHaveLength(1);
      b.put("10.1.0.2", owner("b"));
      expect(b.find([owner("a")])).toEqual([]);
      expect(b.find([owner("b")])).toEqual([["10.1.0.2", owner("b")]]);
      b.put("10.1.0.3", owner("b"));
      expect(b.size()).toBe(2);
    });
    withBucket((b) => {
      expect(b.find([owner("b")]).map(([k]) => k)).toEqual(["10.1.0.2", "10.1.0.3"]);
      expect(b.remove("10.1.0.2")).toBe(true);
      expect(b.find([owner("b")]).map(([k]) => k)).toEqual(["10.1.0.3"]);
      expect(b.size()).toBe(1);
    });
    withBucket((b) => {
      expect(b.find([owner("b")]).map(([k]) => k)).toEqual(["10.1.0.3"]);
      expect(b.size()).toBe(1);
    });
  });

  it("keeps the index beside the bucket: the bucket holds host-local's files only", () => {
    fill(4);
    expect(readdirSync(bucketDir()).sort()).toEqual(["10.1.0.0", "10.1.0.1", "10.1.0.2", "10.1.0.3", "lock"]);
    expect(readdirSync(indexDir())).toContain("seal");
    expect(withBucket((b) => b.entries())).toHaveLength(4);
  });

  it("takes any value as a value, never as a path: what names an index file is a hash", () => {
    const values = ["../../../etc/passwd", "/", "seal", "a\nb", "", "x".repeat(4096)];
    withBucket((b) => values.forEach((v, i) => b.put(`k${i}`, v)));
    for (const [i, v] of values.entries()) expect(withBucket((b) => b.find([v]))).toEqual([[`k${i}`, v]]);
    expect(readdirSync(indexDir()).every((f) => f === "seal" || /^v-[0-9a-f]{16}$/.test(f))).toBe(true);
    expect(readdirSync(root).sort()).toEqual([".wasm-cni-index", "net"]);
  });

  it("drops a key the index names that no longer holds the value (the index only names candidates)", () => {
    fill(2);
    const [file] = readdirSync(indexDir()).filter((f) => f.startsWith("v-"));
    writeFileSync(join(indexDir(), file!), "10.1.0.0\n10.1.0.1\nlast_reserved_ip.0\n10.9.9.9\n");
    expect(withBucket((b) => b.find([owner("ctr0")]))).toEqual(scan([owner("ctr0")]));
  });
});

describe("disk store find after a writer the index did not see", () => {
  // Each change runs right after a sealing close, within the same clock tick as the seal.
  it.each([
    ["creates a reservation", () => writeFileSync(join(bucketDir(), "10.1.9.9"), owner("ctr1"))],
    ["removes one", () => unlinkSync(join(bucketDir(), "10.1.0.2"))],
    ["removes one and creates it for another owner (Go: DEL, then ADD)", () => {
      unlinkSync(join(bucketDir(), "10.1.0.2"));
      writeFileSync(join(bucketDir(), "10.1.0.2"), owner("other"));
    }],
    ["renames a new value over one (an older wasm-cni's put)", () => {
      writeFileSync(join(bucketDir(), "10.1.0.2.tmp-1"), owner("other"));
      renameSync(join(bucketDir(), "10.1.0.2.tmp-1"), join(bucketDir(), "10.1.0.2"));
    }],
  ])("another program %s", (_what, foreign) => {
    fill(8);
    foreign();
    for (const who of ["ctr0", "ctr1", "other"]) {
      expect(withBucket((b) => b.find([owner(who)])), who).toEqual(scan([owner(who)]));
    }
    const keys = readdirSync(bucketDir()).filter((f) => f !== "lock").length;
    expect(withBucket((b) => b.size())).toBe(keys);
  });

  it("a seal that does not parse, is of another format or is gone means a rebuild", () => {
    for (const seal of ["", "garbage", "wasm-cni store index 2\n1\n8\n", "wasm-cni store index 1\n1\n", undefined]) {
      fill(8);
      withBucket((b) => b.remove("10.1.0.2"));
      writeFileSync(join(bucketDir(), "10.1.9.9"), owner("ctr1"));
      if (seal === undefined) rmSync(indexDir(), { recursive: true });
      else writeFileSync(join(indexDir(), "seal"), seal);
      expect(withBucket((b) => b.find([owner("ctr1")])), JSON.stringify(seal)).toEqual(scan([owner("ctr1")]));
      rmSync(root, { recursive: true });
    }
  });
});

describe("disk store index when a holder dies", () => {
  it("removes the seal before the first change, so a holder killed before close leaves none", () => {
    fill(4);
    const b = store.open("", "net");
    expect(existsSync(join(indexDir(), "seal"))).toBe(true);
    expect(b.find([owner("ctr0")])).toHaveLength(2); // reading does not unseal
    expect(existsSync(join(indexDir(), "seal"))).toBe(true);
    b.put("10.1.0.9", owner("ctr0"));
    expect(existsSync(join(indexDir(), "seal"))).toBe(false);
    // Killed here: the lock goes with the process, close never runs.
    expect(withBucket((again) => again.find([owner("ctr0")]).map(([k]) => k))).toEqual(["10.1.0.0", "10.1.0.1", "10.1.0.9"]);
  });

  it("a killed writer's temporary value file is removed and never indexed", () => {
    fill(4);
    writeFileSync(join(bucketDir(), "10.1.0.7.tmp-4242"), owner("ctr0"));
    expect(withBucket((b) => b.find([owner("ctr0")]).map(([k]) => k))).toEqual(["10.1.0.0", "10.1.0.1"]);
    expect(readdirSync(bucketDir()).some((f) => f.includes(".tmp-"))).toBe(false);
  });

  it("a failed write leaves no seal: the next holder rebuilds", () => {
    fill(4);
    withBucket((b) => {
      rmSync(bucketDir(), { recursive: true }); // the next write fails with ENOENT
      expect(() => b.put("10.1.0.9", owner("ctr0"))).toThrow(/ENOENT/);
    });
    expect(existsSync(join(indexDir(), "seal"))).toBe(false);
    expect(withBucket((b) => [b.find([owner("ctr0")]), b.size()])).toEqual([[], 0]);
  });
});

describe("disk store index seal", () => {
  it("sets the bucket's mtime back a second when it seals, and records what it reads back", () => {
    const before = Date.now();
    fill(2);
    const seal = readFileSync(join(indexDir(), "seal"), "utf8").split("\n");
    expect(seal[0]).toBe("wasm-cni store index 1");
    const mtime = statSync(bucketDir(), { bigint: true }).mtimeNs;
    expect(seal[1]).toBe(String(mtime));
    expect(seal[2]).toBe("2");
    // A change made now, in the same clock tick as the seal, gets a newer time than that.
    expect(Number(mtime / 1_000_000n)).toBeLessThan(before - 900);
    writeFileSync(join(bucketDir(), "10.1.9.9"), owner("ctr0"));
    expect(statSync(bucketDir(), { bigint: true }).mtimeNs).not.toBe(mtime);
  });
});
