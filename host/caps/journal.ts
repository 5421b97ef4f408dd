import { Errno, KernelError } from "../kernel/errors";
import type { HostCallRecord } from "./context";

/** One change a call made, and how to take it back. */
interface UndoStep {
  /** "link.create veth0 in ns 0", for the audit trail. */
  what: string;
  undo(): void;
}

/**
 * The changes an ADD makes, so that the host can take them back when the call fails, traps or
 * times out: the reference plugins leak links there; we do not. One journal serves a call
 * and its in-process delegates. IPAM reservations are not journalled: the plugin releases
 * them (bridge and ptp call ipam.del), as the Go plugins defer ipam.ExecDel.
 */
export class Journal {
  private readonly steps: UndoStep[] = [];

  constructor(readonly enabled: boolean) {}

  record(what: string, undo: () => void): void {
    if (this.enabled) this.steps.push({ what, undo });
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
   * Undoes every change, newest first. Something already gone counts as undone; any other
   * failure is recorded and the rest still runs.
   */
  rollback(records: HostCallRecord[]): void {
    for (const step of this.steps.splice(0).reverse()) {
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
}

const GONE: readonly number[] = [Errno.ENODEV, Errno.ENOENT, Errno.ESRCH, Errno.EADDRNOTAVAIL];

function isGone(e: unknown): boolean {
  return e instanceof KernelError && GONE.includes(e.errno);
}
