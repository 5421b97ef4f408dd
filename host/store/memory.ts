import { checkBucketName, checkDir, checkKey, type Bucket, type Store } from "./store";

/** A store in memory, for tests (like host-local's fake_store.go). */
export function createMemoryStore(): Store {
  const buckets = new Map<string, Map<string, string>>();
  return {
    open(dir, name) {
      checkDir(dir);
      checkBucketName(name);
      const id = `${dir}\0${name}`;
      const data = buckets.get(id) ?? new Map<string, string>();
      buckets.set(id, data);
      return memoryBucket(data);
    },
  };
}

function memoryBucket(data: Map<string, string>): Bucket {
  return {
    get: (key) => (checkKey(key), data.get(key)),
    put: (key, value) => void (checkKey(key), data.set(key, value)),
    remove: (key) => (checkKey(key), data.delete(key)),
    entries: () => [...data.entries()].sort(byKey),
    find: (values) => {
      const wanted = new Set(values.map((v) => v.trim()));
      return [...data.entries()].filter(([, v]) => wanted.has(v.trim())).sort(byKey);
    },
    size: () => data.size,
    close: () => {},
  };
}

function byKey([a]: [string, string], [b]: [string, string]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
