// host/cluster/etcd.ts against a real etcd (test/helpers/etcd.ts): every operation the agent
// uses, the typed errors, endpoints tried in turn.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdClient, type WatchEvent } from "../../../host/cluster/etcd";
import { EtcdBadResponseError, EtcdCompareFailedError, EtcdServerError, EtcdUnreachableError } from "../../../host/cluster/errors";
import { etcdMissing, startEtcd, type TestEtcd } from "../../helpers/etcd";

const missing = etcdMissing();

describe.skipIf(missing !== undefined)("etcd client", () => {
  let etcd: TestEtcd;
  let client: EtcdClient;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.endpoint], timeoutMs: 2_000 });
  });
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  it("put, range by key and by prefix, delete round-trip keys and values", async () => {
    await client.put("/t1/a", "x/ü");
    await client.put("/t1/b", "");
    await client.put("/t10", "not under /t1/");
    expect((await client.range("/t1/a")).kvs.map((k) => [k.key, k.value])).toEqual([["/t1/a", "x/ü"]]);
    const all = await client.range("/t1/", { prefix: true });
    expect(all.kvs.map((k) => [k.key, k.value])).toEqual([["/t1/a", "x/ü"], ["/t1/b", ""]]);
    expect(all.revision).toBeGreaterThan(0);
    expect(await client.delete("/t1/", { prefix: true })).toBe(2);
    expect((await client.range("/t1/", { prefix: true })).kvs).toEqual([]);
    expect((await client.range("/t10")).kvs).toHaveLength(1);
  });

  it("create succeeds once; the second create fails with EtcdCompareFailedError naming the holder", async () => {
    await client.create("/t2/k", "first");
    const err = await client.create("/t2/k", "second").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdCompareFailedError);
    expect((err as EtcdCompareFailedError).current?.value).toBe("first");
    const { kvs } = await client.range("/t2/k");
    await client.replace("/t2/k", "third", kvs[0]!.modRevision);
    await expect(client.replace("/t2/k", "fourth", kvs[0]!.modRevision)).rejects.toBeInstanceOf(EtcdCompareFailedError);
    expect((await client.range("/t2/k")).kvs[0]!.value).toBe("third");
  });

  it("a lease: keys on it go when it is revoked; keep-alive and time-to-live of a revoked lease say it is gone", async () => {
    const lease = await client.leaseGrant(30);
    await client.put("/t3/on-lease", "v", { lease });
    expect((await client.range("/t3/on-lease")).kvs[0]!.lease).toBe(lease);
    expect(await client.leaseKeepAlive(lease)).toBe(30);
    expect(await client.leaseTimeToLive(lease)).toBeGreaterThan(25);
    expect(await client.leaseRevoke(lease)).toBe(true);
    expect((await client.range("/t3/on-lease")).kvs).toEqual([]);
    expect(await client.leaseKeepAlive(lease)).toBe(0);
    expect(await client.leaseTimeToLive(lease)).toBe(-1);
    expect(await client.leaseRevoke(lease)).toBe(false);
    const err = await client.put("/t3/x", "v", { lease }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdServerError);
    expect((err as EtcdServerError).leaseNotFound).toBe(true);
  });

  it("a lease that is not kept alive expires and takes its keys", async () => {
    const lease = await client.leaseGrant(1);
    await client.put("/t4/k", "v", { lease });
    const until = Date.now() + 4_000;
    while ((await client.range("/t4/k")).kvs.length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect((await client.range("/t4/k")).kvs).toEqual([]);
  });

  it("watch streams puts and deletes under a prefix from a revision, and resolves when aborted", async () => {
    const { revision } = await client.range("/t5/", { prefix: true });
    await client.put("/t5/before", "1"); // after `revision`: seen
    const seen: WatchEvent[] = [];
    const ac = new AbortController();
    const done = client.watch("/t5/", { prefix: true, startRevision: revision + 1 }, (ev) => {
      seen.push(...ev);
      if (seen.length === 3) ac.abort();
    }, ac.signal);
    await client.put("/t5/a", "2");
    await client.put("/t6/elsewhere", "no");
    await client.delete("/t5/a");
    await done;
    expect(seen.map((e) => [e.type, e.kv.key, e.kv.value])).toEqual([
      ["put", "/t5/before", "1"], ["put", "/t5/a", "2"], ["delete", "/t5/a", ""],
    ]);
  });

  it("an endpoint that refuses is skipped: the next one answers", async () => {
    const c = new EtcdClient({ endpoints: ["http://127.0.0.1:1", etcd.endpoint], timeoutMs: 2_000 });
    try {
      await c.put("/t7/k", "v");
      expect((await c.range("/t7/k")).kvs[0]!.value).toBe("v");
    } finally {
      c.close();
    }
  });

  it("no endpoint answering is EtcdUnreachableError naming each; a silent one times out", async () => {
    const silent: Server = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    const c = new EtcdClient({ endpoints: ["http://127.0.0.1:1", `http://127.0.0.1:${port}`], timeoutMs: 300 });
    try {
      const err = await c.range("/x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EtcdUnreachableError);
      expect((err as Error).message).toMatch(/127\.0\.0\.1:1: connect ECONNREFUSED.*no answer within 300 ms/);
    } finally {
      c.close();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("something that is not etcd answering is EtcdBadResponseError", async () => {
    const fake: Server = createServer((_req, res) => res.end(JSON.stringify({ header: {}, kvs: [{ nokey: 1 }] })));
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    const c = new EtcdClient({ endpoints: [`http://127.0.0.1:${(fake.address() as { port: number }).port}`], timeoutMs: 1_000 });
    try {
      const err = await c.range("/x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EtcdBadResponseError);
      expect((err as Error).message).toMatch(/bad response: field "kvs\[0\]\.key" is required/);
    } finally {
      c.close();
      fake.closeAllConnections();
      fake.close();
    }
  });
});
