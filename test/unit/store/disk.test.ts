import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDiskStore } from "../../../host/store/disk";
import { createMemoryStore } from "../../../host/store/memory";
import { StoreArgumentError, type Store } from "../../../host/store/store";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "wasm-cni-store-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const stores: [string, () => Store][] = [
  ["disk", () => createDiskStore(() => {}, root)],
  ["memory", () => createMemoryStore()],
];

describe.each(stores)("%s store", (_kind, make) => {
  it("keeps values across opens of one bucket", () => {
    const store = make();
    const a = store.open("", "net1");
    a.put("10.1.0.2", "ctr1\r\neth0");
    a.close();
    const b = store.open("", "net1");
    expect(b.get("10.1.0.2")).toBe("ctr1\r\neth0");
    expect(b.get("10.1.0.3")).toBeUndefined();
    expect(b.entries()).toEqual([["10.1.0.2", "ctr1\r\neth0"]]);
    expect(b.remove("10.1.0.2")).toBe(true);
    expect(b.remove("10.1.0.2")).toBe(false);
    expect(b.entries()).toEqual([]);
  });

  it("keeps buckets apart", () => {
    const store = make();
    store.open("", "a").put("k", "1");
    expect(store.open("", "b").get("k")).toBeUndefined();
  });

  it.each(["", "..", ".", "lock", "a/b", "x y", "k.tmp-1", "é"])("rejects the key %j", (key) => {
    const b = make().open("", "n");
    expect(() => b.put(key, "v")).toThrow(StoreArgumentError);
  });

  it.each(["", "../etc", "a/b", "-x"])("rejects the bucket name %j", (name) => {
    expect(() => make().open("", name)).toThrow(StoreArgumentError);
  });

  it.each(["relative", "/a/../b", "/a//b", "/a/./b", "/a/"])("rejects the data dir %j", (dir) => {
    expect(() => make().open(dir, "n")).toThrow(StoreArgumentError);
  });
});

describe("disk store", () => {
  it("writes host-local's layout: one file per key in $root/$name", () => {
    const b = createDiskStore(() => {}, root).open("", "mynet");
    b.put("fd00::2", "ctr\r\neth0");
    b.put("last_reserved_ip.0", "fd00::2");
    b.close();
    expect(readdirSync(join(root, "mynet")).sort()).toEqual(["fd00::2", "last_reserved_ip.0", "lock"]);
    expect(readFileSync(join(root, "mynet", "fd00::2"), "utf8")).toBe("ctr\r\neth0");
  });

  it("uses an explicit data dir instead of the root", () => {
    const dir = join(root, "custom");
    createDiskStore(() => {}, join(root, "unused")).open(dir, "n").put("k", "v");
    expect(readFileSync(join(dir, "n", "k"), "utf8")).toBe("v");
  });

  it("takes the lock when a bucket opens and refuses use after close", () => {
    const locked: number[] = [];
    const b = createDiskStore((fd) => void locked.push(fd), root).open("", "n");
    expect(locked).toHaveLength(1);
    b.close();
    expect(() => b.get("k")).toThrow(/closed/);
  });
});

describe("disk store after a holder was killed", () => {
  it("removes the temporary files a dead writer left once it holds the lock, and never reads them as values", () => {
    const dir = join(root, "n");
    mkdirSync(dir);
    writeFileSync(join(dir, "10.1.0.2.tmp-4242"), "ctr-dead\r\neth0"); // killed between write and rename
    writeFileSync(join(dir, "last_reserved_ip.0.tmp-4243"), "10.1.0.");
    writeFileSync(join(dir, "10.1.0.3"), "ctr-live\r\neth0");
    const order: string[] = [];
    const b = createDiskStore(() => void order.push(readdirSync(dir).sort().join(",")), root).open("", "n");
    expect(order[0], "cleaned only after the lock is held").toContain(".tmp-");
    expect(readdirSync(dir).sort()).toEqual(["10.1.0.3", "lock"]);
    expect(b.entries()).toEqual([["10.1.0.3", "ctr-live\r\neth0"]]);
    expect(b.get("10.1.0.2")).toBeUndefined();
    b.close();
  });

  it("writes a value whole or not at all: the file appears by rename", () => {
    const b = createDiskStore(() => {}, root).open("", "n");
    b.put("10.1.0.2", "ctr\r\neth0");
    b.put("10.1.0.2", "ctr2\r\neth1");
    expect(readdirSync(join(root, "n")).sort()).toEqual(["10.1.0.2", "lock"]);
    expect(b.get("10.1.0.2")).toBe("ctr2\r\neth1");
    b.close();
  });
});
