/**
 * `wasm-cni serve`: keeps a pool of host processes on one listening socket in its directory
 * (see protocol.ts and host-process.ts). Runs until SIGTERM or SIGINT; a host process that
 * holds a call finishes it. One that leaves the pool is replaced; one that dies before it is
 * ready (a broken install) is restarted with a growing delay.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { NativeApi } from "../kernel/native";
import { hostSocket, isPoolLeftover, readyMark, warmUpDataDir } from "./protocol";

const SPARE_NICE = 10;

/**
 * A host process's young generation: V8 grows it to 16 MiB under a stream of calls, and the
 * plugins' memories it holds are freed only when it is collected. At 1 MiB a process holds
 * 21-24 MiB of its own after 150 calls instead of 44-60, for the same CPU per call (measured
 * by /proc/PID/stat over 150 ADD/DEL pairs: 6.1-6.8 ms against 6.6-7.0 ms).
 */
const SPARE_NODE_FLAGS = ["--max-semi-space-size=1"];

export interface ServeOptions {
  dir: string;
  /** Host processes in the pool. */
  spares: number;
  /** bin/wasm-cni-node, which runs a host process of the pool with WASM_CNI_SPARE=1. */
  launcher: string;
  native: NativeApi;
  log(line: string): void;
}

/** Keeps `spares` host processes in the pool, and resolves once a signal stopped it. */
export function serve(opts: ServeOptions): Promise<void> {
  const lock = claimDir(opts);
  // Only this user may connect (the directory is 0700 too); the pool shares it as fd 3.
  const socket = opts.native.unixListen(hostSocket(opts.dir), 128);
  chmodSync(hostSocket(opts.dir), 0o600);
  const pool = new Set<ChildProcess>();
  let failures = 0;
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;
  /** Removes what a host process leaves in the directory when it dies: its mark and its warm-up's state. */
  const forget = (child: ChildProcess): void => {
    if (child.pid === undefined) return;
    rmSync(readyMark(opts.dir, child.pid), { force: true });
    rmSync(warmUpDataDir(opts.dir, child.pid), { recursive: true, force: true });
  };

  const topUp = (): void => {
    while (!stopping && retry === undefined && pool.size < opts.spares) start();
  };
  const start = (): void => {
    const env = { ...process.env, WASM_CNI_SPARE: "1", WASM_CNI_PRESTART_DIR: opts.dir };
    // At a low priority (every thread inherits it), so that warming up yields to running calls;
    // a spare takes its client's priority with the call.
    const child = spawn("nice", ["-n", String(SPARE_NICE), process.execPath, ...SPARE_NODE_FLAGS, opts.launcher], { env, stdio: ["ignore", "pipe", "inherit", socket] });
    pool.add(child);
    let ready = false;
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      if (text.includes("ready")) {
        ready = true;
        failures = 0;
      }
    });
    child.on("exit", (code, signal) => {
      forget(child);
      pool.delete(child);
      if (stopping) return;
      if (ready && code === 0) return topUp(); // left the pool (it said why)
      opts.log(`a host process exited (${signal ?? `exit code ${code}`})${ready ? "" : " during its warm-up"}`);
      if (!ready) failures++;
      const delay = failures === 0 ? 0 : Math.min(30_000, 100 * 2 ** failures);
      if (delay === 0) return topUp();
      opts.log(`starting the next spare in ${delay} ms`);
      retry = setTimeout(() => {
        retry = undefined;
        topUp();
      }, delay);
    });
  };

  return new Promise((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      clearTimeout(retry);
      // First, so that no client connects now; calls in the queue find the socket closed and run cold.
      unlinkSync(hostSocket(opts.dir));
      opts.native.close(socket);
      for (const child of pool) {
        forget(child);
        child.kill("SIGTERM");
      }
      // An empty directory left behind would make every cold call look for a pool in it.
      unlinkSync(join(opts.dir, "serve.lock"));
      closeSync(lock);
      try {
        rmdirSync(opts.dir);
      } catch {
        // not only ours
      }
      opts.log("stopped");
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    opts.log(`keeping ${opts.spares} host process${opts.spares === 1 ? "" : "es"} on ${hostSocket(opts.dir)}`);
    topUp();
  });
}

/**
 * Makes the directory (only this user may enter it, since a socket there runs calls as root),
 * takes its lock so that one supervisor serves it, and removes what a pool of an earlier
 * supervisor left (its socket, marks and warm-up state). Returns the lock's fd, held while serving.
 */
function claimDir(opts: ServeOptions): number {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(opts.dir);
  if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o077) !== 0) {
    throw new Error(`${opts.dir} must be a directory owned by this user that nobody else can enter (mode 0700)`);
  }
  const lock = openSync(join(opts.dir, "serve.lock"), "w", 0o600);
  if (!opts.native.flock(lock, "ex", false)) {
    closeSync(lock);
    throw new Error(`another wasm-cni serve is serving ${opts.dir}`);
  }
  for (const name of readdirSync(opts.dir)) {
    if (isPoolLeftover(name)) rmSync(join(opts.dir, name), { recursive: true, force: true });
  }
  return lock;
}
