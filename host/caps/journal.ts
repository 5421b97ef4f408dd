import { Errno, KernelError } from "../kernel/errors";
import type { HostCallRecord } from "./context";

/** One change a call made, and how to take it back. */
interface UndoStep {
  /** "link.create veth0 in ns 0", for the audit trail. */
  what: string;
  undo(): void;
  /** Groups steps that can be undone on their own: "store:<plugin>" (ipam.del during ADD). */
  tag?: string;
}

/**
 * The changes an ADD makes, so that the host can take them back when the call fails, traps or
 * times out: the reference plugins leak links there; we do not. One journal serves a call
 * and its in-process delegates, IPAM reservations included (store.ts journals every put and
 * remove), so a failed ADD keeps no address even when the plugin never released it.
 */
export class Journal {
  private readonly steps: UndoStep[] = [];

  constructor(readonly enabled: boolean) {}

  record(what: string, undo: () => void, tag?: string): void {
    if (this.enabled) this.steps.push({ what, undo, ...(tag !== undefined && { tag }) });
  }

  /** True when a step of that name was recorded (a link this call created). */
  has(what: string): boolean {
    return this.steps.some((s) => s.what === what);
  }

  /** Follows a link renamed or moved by link.set, so its undo finds it. */
  retarget(from: string, to: string): void {
    for (const s of this.steps) if (s.what === from) s.what = to;
  }

  get size(): number {
    return this.steps.length;
  }

  /**
   * Undoes every change (or, given a tag, only that tag's), newest first, and forgets it.
   * Something already gone counts as undone; any other failure is recorded and the rest still runs.
   */
  rollback(records: HostCallRecord[], tag?: string): void {
    const undo = tag === undefined ? this.steps.splice(0) : this.take(tag);
    for (const step of undo.reverse()) {
      const t0 = performance.now();
      let outcome = "ok";
      try {
        step.undo();
      } catch (e) {
        outcome = isGone(e) ? "ok (already gone)" : `failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      records.push({ plugin: "host", fn: `undo ${step.what}`, args: [], outcome, durationMs: performance.now() - t0 });
    }
  }

  private take(tag: string): UndoStep[] {
    const taken = this.steps.filter((s) => s.tag === tag);
    const kept = this.steps.filter((s) => s.tag !== tag);
    this.steps.splice(0, this.steps.length, ...kept);
    return taken;
  }
}

const GONE: readonly number[] = [Errno.ENODEV, Errno.ENOENT, Errno.ESRCH, Errno.EADDRNOTAVAIL];

function isGone(e: unknown): boolean {
  return e instanceof KernelError && GONE.includes(e.errno);
}
