import type { HostCallRecord } from "../caps/context";

/**
 * The phase breakdown of one call (WASM_CNI_TRACE=1): milliseconds since the process started
 * at each mark, and the time spent inside host functions (kernel and store work). Printed
 * as one JSON line on stderr, for `npm run bench`.
 */
export interface Trace {
  mark(phase: string): void;
  end(records: HostCallRecord[]): void;
}

/** `prestarted`: the call runs in a spare of `wasm-cni serve`, whose marks count from its own start. */
export function createTrace(enabled: boolean, write: (s: string) => void, prestarted = false): Trace {
  if (!enabled) return { mark: () => {}, end: () => {} };
  const marks: [string, number][] = [];
  return {
    mark: (phase) => void marks.push([phase, performance.now()]),
    end(records) {
      // ipam.* spans a whole delegated plugin run, whose own host calls are records too.
      const hostMs = records.filter((r) => !r.fn.startsWith("ipam.")).reduce((sum, r) => sum + r.durationMs, 0);
      marks.push(["end", performance.now()]);
      write(`${JSON.stringify({ trace: Object.fromEntries(marks), hostCalls: records.length, hostMs, prestarted })}\n`);
    },
  };
}
