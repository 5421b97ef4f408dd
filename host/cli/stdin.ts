/**
 * stdin, read once. A network config is a few KiB; the cap keeps a runaway writer from
 * growing the host without bound (every byte is parsed and handed to a sandbox).
 */
import { readSync } from "node:fs";
import { CniError, CniErrorCode } from "../cni/errors";

export const MAX_STDIN_BYTES = 1024 * 1024;

function tooLarge(limit: number): CniError {
  return new CniError(CniErrorCode.DECODE_FAILURE, `config on stdin is larger than ${limit} bytes`);
}

/**
 * Reads fd until EOF, synchronously (the call cannot start without its config, and the
 * event loop has nothing else to do). Stops one byte past `limit` rather than reading it all.
 */
export function readStdinSync(fd = 0, limit = MAX_STDIN_BYTES): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking pipe with no data yet: wait a little instead of spinning.
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      // No stdin at all (closed fd) reads as empty; the verb decides whether that is fine.
      if (code === "EBADF" || code === "EOF") break;
      throw new CniError(CniErrorCode.IO_FAILURE, `error reading from stdin: ${String(e)}`, undefined, { cause: e });
    }
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > limit) throw tooLarge(limit);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The config text of a verb that needs one: code 6 when empty or over the cap. Also checks
 * the cap for stdin given by a caller (tests, an in-process runtime) rather than read here.
 */
export function configText(stdin: Buffer, limit = MAX_STDIN_BYTES): Buffer {
  if (stdin.length > limit) throw tooLarge(limit);
  if (stdin.toString("utf8").trim() === "") {
    throw new CniError(CniErrorCode.DECODE_FAILURE, "no network config on stdin (stdin is empty)");
  }
  return stdin;
}
