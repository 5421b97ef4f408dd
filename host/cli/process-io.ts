/**
 * The real process behind CliIo: its stdio and fds. The exit code of a CNI call is set in one
 * place, runProcessCall (host/process-call.ts).
 */
import { fstatSync, writeSync } from "node:fs";
import type { CliIo } from "./plugin-runner";
import { readStdinSync } from "./stdin";

/**
 * Writes all of `s` to fd 1 or 2 synchronously. Not process.stdout: for a pipe (what a
 * runtime gives us) that builds a net.Socket and loads node:net, ~5 ms of every call.
 */
export function writeFd(fd: 1 | 2, s: string): void {
  const buf = Buffer.from(s);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
    }
  }
}

/**
 * A runtime always pipes the config in. At a terminal, reading would wait for ^D (VERSION
 * reads stdin only for an optional cniVersion), so a character device (a TTY, or /dev/null,
 * which is empty anyway) reads as empty. fstat, not node:tty: that module costs ~2 ms.
 */
export function processIo(argv0: string = process.argv[1] ?? process.argv0): CliIo {
  return {
    argv0,
    env: process.env,
    stdin: () => (isTerminal(0) ? Buffer.alloc(0) : readStdinSync(0)),
    stdout: (s) => writeFd(1, s),
    stderr: (s) => writeFd(2, s),
  };
}

function isTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}
