// A range set (one entry of host-local's "ranges") and the round-robin walk over it that
// host-local's RangeIter does: start after the last reserved address, wrap from each
// range's end to the next range's start, skip gateways, stop after one full turn.
import { IP } from "../netip/addr";
import { IPRange } from "./range";

/** Index of the range that contains the address, or -1. */
export function rangeSetIndexOf(set: IPRange[], ip: IP): i32 {
  for (let i = 0; i < set.length; i++) if (set[i].contains(ip)) return i;
  return -1;
}

/** True when any range of one set overlaps any range of the other (or of itself, if a == b). */
export function rangeSetsOverlap(a: IPRange[], b: IPRange[]): bool {
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      if (a == b && i == j) continue;
      if (a[i].overlaps(b[j])) return true;
    }
  }
  return false;
}

/**
 * Walks the candidate addresses of a range set once. `current` is stepped in place, so the
 * walk allocates only when it moves to another range: clone() an address to keep it.
 *
 *   const it = new RangeIter(set, lastReserved);
 *   while (it.next()) if (!store.isReserved(it.current)) return it.current.clone();
 */
export class RangeIter {
  /** The address found by the last next(); meaningful only after next() returned true. */
  current: IP = IP.zero(true);
  /** Index in the set of the range that holds `current`. */
  rangeIndex: i32 = 0;
  private started: bool = false;
  private done: bool;
  private startIP: IP | null = null;

  /** A walk over `set` that starts after `lastReserved` (at the start when null or not in the set). */
  constructor(private set: IPRange[], lastReserved: IP | null = null) {
    this.done = set.length == 0;
    const i = lastReserved == null ? -1 : rangeSetIndexOf(set, lastReserved);
    if (i >= 0) {
      // next() steps first, so the walk begins right after the last reserved address
      this.rangeIndex = i;
      this.current = lastReserved!.clone();
      this.started = true;
    } else if (!this.done) {
      this.startIP = set[0].start.clone();
    }
  }

  /** The range that holds `current`. */
  get range(): IPRange {
    return this.set[this.rangeIndex];
  }

  /** Moves to the next candidate; false once every address of the set was visited. */
  next(): bool {
    while (!this.done) {
      let r = this.set[this.rangeIndex];
      if (!this.started) {
        this.started = true;
        this.current = r.start.clone();
        if (this.current.equals(r.gateway)) continue;
        return true;
      }
      if (this.current.equals(r.end)) {
        this.rangeIndex = (this.rangeIndex + 1) % this.set.length;
        r = this.set[this.rangeIndex];
        this.current = r.start.clone();
      } else {
        this.current.inc();
      }
      const startIP = this.startIP;
      if (startIP == null) {
        this.startIP = this.current.clone();
      } else if (this.current.equals(startIP)) {
        this.done = true;
        return false;
      }
      if (this.current.equals(r.gateway)) continue;
      return true;
    }
    return false;
  }
}
