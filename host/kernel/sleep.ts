// A blocking pause for the host's synchronous kernel work (DAD settling), as Go's time.Sleep.
// Atomics.wait blocks the thread without spinning; V8's watchdog (the plugin's time limit)
// still interrupts it.
const cell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread for `ms` milliseconds. */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(cell, 0, 0, ms);
}
