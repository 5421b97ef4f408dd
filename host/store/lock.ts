import type { FileLocker } from "./disk";

/** Another call held the bucket's lock for longer than we wait: CNI's "try again later". */
export class LockTimeoutError extends Error {
  override readonly name = "LockTimeoutError";
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * A FileLocker that tries flock(2) without blocking and sleeps between tries, so a call never
 * waits on a stuck holder past `waitMs` (a blocking flock cannot be interrupted by the time
 * limit: V8's watchdog only acts when control returns to JavaScript).
 */
export function pollingLocker(tryLock: (fd: number) => boolean, waitMs: number): FileLocker {
  return (fd) => {
    const deadline = performance.now() + waitMs;
    for (let pause = 1; !tryLock(fd); pause = Math.min(pause * 2, 20)) {
      if (performance.now() >= deadline) {
        throw new LockTimeoutError(`the IPAM state is locked by another call for more than ${waitMs} ms`);
      }
      Atomics.wait(sleeper, 0, 0, pause);
    }
  };
}
