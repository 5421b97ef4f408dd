// host/cluster/node-watch.ts against a real etcd behind a TCP proxy the test can cut: the view
// follows puts and deletes, and after a broken stream the watch reads everything again and
// goes on (nothing that changed meanwhile is missed).
import { createServer, type Server, type Socket, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterNode } from "../../../host/caps/context";
import { EtcdClient } from "../../../host/cluster/etcd";
import { NodeWatch } from "../../../host/cluster/node-watch";
import { etcdMissing, startEtcd, type TestEtcd } from "../../helpers/etcd";

async function until(f: () => boolean, ms = 4_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP proxy to `target`; cut() breaks every connection through it. */
async function proxy(target: URL): Promise<{ endpoint: string; cut(): void; close(): void }> {
  const open = new Set<Socket>();
  const srv: Server = createServer((down) => {
    const up = connect(Number(target.port), target.hostname);
    for (const s of [down, up]) {
      open.add(s);
      s.on("close", () => open.delete(s));
      s.on("error", () => {});
    }
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const cut = (): void => {
    for (const s of open) s.destroy();
  };
  return { endpoint: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, cut, close: () => (cut(), srv.close()) };
}

describe.skipIf(etcdMissing() !== undefined)("node watch", () => {
  let etcd: TestEtcd;
  let direct: EtcdClient;
  beforeAll(async () => {
    etcd = await startEtcd();
    direct = new EtcdClient({ endpoints: [etcd.endpoint] });
  });
  afterAll(async () => {
    direct?.close();
    await etcd?.stop();
  });

  const record = (name: string, third: number): string =>
    JSON.stringify({ name, subnets: [`10.244.${third}.0/24`], underlay: `192.0.2.${third}`, vtepMac: "02:00:00:00:00:01" });

  it("follows joins and leaves, and after the stream breaks reads again and sees what changed meanwhile", async () => {
    const p = await proxy(new URL(etcd.endpoint));
    const client = new EtcdClient({ endpoints: [p.endpoint], timeoutMs: 1_000 });
    const views: string[][] = [];
    const lines: string[] = [];
    await direct.put("/w/nodes/a", record("a", 1));
    const w = new NodeWatch({ client, prefix: "/w", log: (l) => lines.push(l), onNodes: (n: ClusterNode[]) => views.push(n.map((x) => x.name)) });
    try {
      await until(() => views.length === 1);
      expect(views[0]).toEqual(["a"]);
      await direct.put("/w/nodes/b", record("b", 2));
      await until(() => views.at(-1)!.length === 2);
      p.cut();
      await direct.delete("/w/nodes/a");
      await direct.put("/w/nodes/c", record("c", 3));
      await until(() => views.at(-1)!.join() === "b,c");
      expect(lines.join("\n")).toMatch(/watching \/w\/nodes\/: .*reading again in 0\.5 s/);
      await direct.put("/w/nodes/d", record("d", 4)); // the new watch works
      await until(() => views.at(-1)!.join() === "b,c,d");
    } finally {
      await w.stop();
      client.close();
      p.close();
    }
  });
});
