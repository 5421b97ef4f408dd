/**
 * Hands each new cluster view to the controller, one reconcile at a time: views that arrive
 * while one runs are coalesced (only the newest is reconciled next); a failed reconcile is
 * retried with the same or a newer view after 0.5 s, doubling up to 30 s, reset by a success.
 * After every reconcile `<stateDir>/status.json` says how it went, and a failure is logged.
 */
import { join } from "node:path";
import type { ClusterView } from "../caps/context";
import { sleep } from "../cluster/sleep";
import { writeFileAtomic } from "../cluster/write-file-atomic";

/** The error a controller fails with (the WIT cni-error record or the host's CniError). */
export interface ReconcileError {
  code: number;
  msg: string;
  details?: string;
}

/** Reconciles the node to a view; the real one runs the controller component (controller-reconciler.ts). */
export type Reconciler = (view: ClusterView) => Promise<{ ok: true } | { ok: false; error: ReconcileError }>;

/** What `<stateDir>/status.json` holds after each reconcile. */
export interface AgentStatus {
  ok: boolean;
  error?: string;
  /** ISO time of the reconcile's end. */
  at: string;
  peers: string[];
  /** 1 for a first try, n for the (n-1)-th retry of the same failing streak. */
  attempt: number;
}

export interface BackoffMs {
  first: number;
  max: number;
}

export const DEFAULT_BACKOFF: BackoffMs = { first: 500, max: 30_000 };

export const statusPath = (stateDir: string): string => join(stateDir, "status.json");

export const describeReconcileError = (e: ReconcileError): string =>
  `${e.msg}${e.details ? `; ${e.details}` : ""} (code ${e.code})`;

export class ReconcileLoop {
  private pending: ClusterView | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly reconcile: Reconciler,
    private readonly stateDir: string,
    private readonly log: (line: string) => void,
    private readonly backoff: BackoffMs = DEFAULT_BACKOFF,
  ) {}

  /** Queues a view; it replaces any view not yet started. */
  submit(view: ClusterView): void {
    if (this.stopping.signal.aborted) return;
    this.pending = view;
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Stops retrying; waits for a reconcile that is running to end. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    let attempt = 0;
    let delay = this.backoff.first;
    while (this.pending !== undefined && !stop.aborted) {
      const view = this.pending;
      this.pending = undefined;
      attempt++;
      let outcome: Awaited<ReturnType<Reconciler>>;
      try {
        outcome = await this.reconcile(view);
      } catch (e) {
        // A host bug in the reconciler: reported and retried like a failure.
        outcome = { ok: false, error: { code: 999, msg: (e as Error).message } };
      }
      const status: AgentStatus = { ok: outcome.ok, at: new Date().toISOString(), peers: view.peers.map((p) => p.name), attempt };
      if (!outcome.ok) status.error = describeReconcileError(outcome.error);
      try {
        writeFileAtomic(statusPath(this.stateDir), `${JSON.stringify(status)}\n`);
      } catch (e) {
        this.log(`cannot write ${statusPath(this.stateDir)}: ${(e as Error).message}`);
      }
      if (outcome.ok) {
        if (attempt > 1) this.log(`reconcile succeeded on attempt ${attempt}`);
        attempt = 0;
        delay = this.backoff.first;
        continue;
      }
      this.log(`reconcile failed (attempt ${attempt}, peers ${status.peers.join(", ") || "none"}): ${status.error}; retrying in ${delay / 1000} s`);
      await sleep(delay, stop);
      delay = Math.min(delay * 2, this.backoff.max);
      this.pending ??= view; // the same view again, unless a newer one came meanwhile
    }
  }
}
