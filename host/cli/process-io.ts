/**
 * The real process behind CliIo, and the one place that sets process.exitCode. The binary's
 * entry point is `runMain(runner)`; nothing else in the host touches stdout or exit codes.
 */
import { isatty } from "node:tty";
import { runCli } from "./dispatch";
import type { CliIo, PluginRunner } from "./plugin-runner";
import { readStdinSync } from "./stdin";

/**
 * A runtime always pipes the config in. At a terminal, reading would wait for ^D (VERSION
 * reads stdin only for an optional cniVersion), so a TTY reads as empty.
 */
export function processIo(argv0: string = process.argv[1] ?? process.argv0): CliIo {
  return {
    argv0,
    env: process.env,
    stdin: () => (isatty(0) ? Buffer.alloc(0) : readStdinSync(0)),
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
  };
}

/** Runs one CNI call for this process; sets the exit code, never calls process.exit. */
export async function runMain(runner: PluginRunner, io: CliIo = processIo()): Promise<void> {
  process.exitCode = await runCli(io, runner);
}
