import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
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
