/**
 * The host memory one CNI call may take from its plugins (grant key maxHostBytes of the main
 * plugin; its delegates draw on the same budget). Without it one host call with a list of
 * 100,000 strings that all point at the same 1 MiB of guest memory would make the host lift
 * 100 GiB: the process dies of V8's out-of-memory, with no CNI error and no rollback. Counted
 * before anything is copied: every string lifted (its bytes), every list lifted (each element
 * at least LIFTED_ELEMENT_BYTES, about what its JS value costs), and what the host keeps for
 * each host call's audit record (HOST_CALL_RECORD_BYTES).
 */
import { formatBytes, LimitError } from "./limits";

/** The least a lifted list element counts: a JS value and its slot in the array. */
export const LIFTED_ELEMENT_BYTES = 16;
/** What the host keeps per host call besides its arguments: the audit record. */
export const HOST_CALL_RECORD_BYTES = 256;

export class HostBytes {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Counts `bytes` taken from `plugin` for `what`; throws LimitError past the limit. */
  take(plugin: string, bytes: number, what: string): void {
    this.used += bytes;
    if (this.used > this.limit) {
      throw new LimitError(plugin, "maxHostBytes",
        `plugin "${plugin}" made the host take more than its limit of maxHostBytes ${this.limit} (${formatBytes(this.limit)}) ` +
        `in one call (at ${what} of ${formatBytes(bytes)}, ${formatBytes(this.used)} in all)`);
    }
  }

  /** A list of `count` elements of `elemSize` bytes each, before it is lifted. */
  takeList(plugin: string, count: number, elemSize: number): void {
    this.take(plugin, count * Math.max(elemSize, LIFTED_ELEMENT_BYTES), `a list of ${count} elements`);
  }
}
