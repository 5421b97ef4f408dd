/**
 * The cluster view's source: every node record under `<prefix>/nodes/`, read whole, then kept
 * current by a watch from the revision of that read. The watch is restarted with a full read
 * after any error (with a growing pause) and every `resyncMs` as a safety net, so a missed
 * event cannot leave the view wrong for long. `onNodes` sees the valid records, sorted by name,
 * each time they differ from the last it saw.
 */
import type { ClusterNode } from "../caps/context";
import type { EtcdClient } from "./etcd";
import { decodeNode, nodesPrefix } from "./keys";
import { sleep } from "./sleep";

export interface NodeWatchOptions {
  client: EtcdClient;
  prefix: string;
  /** Full re-read period, ms (default 60 s). */
  resyncMs?: number;
  log(line: string): void;
  onNodes(nodes: ClusterNode[]): void;
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

export class NodeWatch {
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;
  /** Raw values by key, as etcd has them. */
  private readonly values = new Map<string, string>();
  private lastSeen = "";
  /** Keys whose bad record was logged already, with that value (logged again when it changes). */
  private readonly reported = new Map<string, string>();

  constructor(private readonly o: NodeWatchOptions) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    const prefix = nodesPrefix(this.o.prefix);
    let retryMs = RETRY_FIRST_MS;
    while (!stop.aborted) {
      const round = new AbortController();
      const endRound = (): void => round.abort();
      stop.addEventListener("abort", endRound, { once: true });
      const resync = setTimeout(endRound, this.o.resyncMs ?? 60_000);
      try {
        const { revision, kvs } = await this.o.client.range(prefix, { prefix: true });
        this.values.clear();
        for (const kv of kvs) this.values.set(kv.key, kv.value);
        this.emit();
        retryMs = RETRY_FIRST_MS;
        await this.o.client.watch(prefix, { prefix: true, startRevision: revision + 1 }, (events) => {
          for (const e of events) {
            if (e.type === "delete") this.values.delete(e.kv.key);
            else this.values.set(e.kv.key, e.kv.value);
          }
          this.emit();
        }, round.signal);
      } catch (e) {
        if (stop.aborted) break;
        this.o.log(`watching ${prefix}: ${(e as Error).message} (reading again in ${retryMs / 1000} s)`);
        await sleep(retryMs, stop);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      } finally {
        clearTimeout(resync);
        stop.removeEventListener("abort", endRound);
      }
    }
  }

  private emit(): void {
    const nodes: ClusterNode[] = [];
    for (const [key, value] of [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const n = decodeNode(this.o.prefix, key, value);
      if (typeof n !== "string") {
        nodes.push(n);
        this.reported.delete(key);
      } else if (this.reported.get(key) !== value) {
        this.reported.set(key, value);
        this.o.log(`left out of the view: ${n}`);
      }
    }
    const seen = JSON.stringify(nodes);
    if (seen === this.lastSeen) return;
    this.lastSeen = seen;
    this.o.onNodes(nodes);
  }
}
