// What an ADD's store work costs as the bucket grows (issue 13, flat scaling): the file
// operations of one host-local ADD, counted at the fs module, are the same with 10
// reservations as with 2000, and none lists the bucket.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDiskStore } from "../../../host/store/disk";
import type { Store } from "../../../host/store/store";

const { counted, calls } = vi.hoisted(() => ({
  counted: ["readFileSync", "readdirSync", "writeFileSync", "renameSync", "unlinkSync", "statSync", "utimesSync", "rmSync"] as const,
  calls: [] as string[],
}));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const wrapped: Record<string, unknown> = { ...real };
  for (const name of counted) {
    const fn = real[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => (calls.push(name), fn(...args));
  }
  return wrapped;
});

let root: string;
let store: Store;
beforeEach(() => {
  root = fs.mkdtempSync(join(tmpdir(), "wasm-cni-index-cost-"));
  store = createDiskStore(() => {}, root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const owner = (id: string) => `${id}\r\neth0`;
const key = (i: number) => `10.1.${i >> 8}.${i & 255}`;

/** A network with `n` pods, one address each, then its index built once. */
function fill(n: number): void {
  const b = store.open("", "net");
  for (let i = 0; i < n; i++) b.put(key(i), owner(`ctr${i}`));
  b.put("last_reserved_ip.0", key(n - 1));
  b.find([owner("ctr0")]);
  b.close();
}

/** The store calls of host-local's ADD of pod `n`, then of its DEL; the fs calls they made. */
function addAndDel(n: number): string[] {
  calls.length = 0;
  const add = store.open("", "net");
  expect(add.find([owner(`ctr${n}`), `ctr${n}`])).toEqual([]);
  expect(add.get("last_reserved_ip.0")).toBe(key(n - 1));
  expect(add.get(key(n))).toBeUndefined();
  expect(add.size()).toBe(n + 1);
  add.put(key(n), owner(`ctr${n}`));
  add.put("last_reserved_ip.0", key(n));
  add.close();
  const del = store.open("", "net");
  expect(del.find([owner(`ctr${n}`), `ctr${n}`])).toEqual([[key(n), owner(`ctr${n}`)]]);
  expect(del.remove(key(n))).toBe(true);
  del.close();
  return [...calls];
}

describe("disk store cost per call", () => {
  it("an ADD and a DEL make the same file operations at pod 10 and at pod 2000, and list nothing", () => {
    fill(10);
    const small = addAndDel(10);
    fs.rmSync(root, { recursive: true });
    fill(2000);
    const large = addAndDel(2000);
    expect(large).toEqual(small);
    expect(large).not.toContain("readdirSync");
    expect(large.length).toBeLessThan(40);
  });

  it("the first call after a change it did not see reads the bucket once, then the index is sealed again", () => {
    fill(100);
    fs.writeFileSync(join(root, "net", "10.9.9.9"), owner("foreign"));
    calls.length = 0;
    const b = store.open("", "net");
    expect(b.find([owner("foreign")])).toEqual([["10.9.9.9", owner("foreign")]]);
    expect(b.remove("10.9.9.9")).toBe(true);
    b.close();
    expect(calls.filter((c) => c === "readdirSync")).toHaveLength(2); // the dead writers' litter, the rebuild
    expect(addAndDel(100)).not.toContain("readdirSync");
  });
});
