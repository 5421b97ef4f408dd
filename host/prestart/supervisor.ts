/**
 * `wasm-cni serve`: keeps spare host processes free in the spares' directory (see
 * protocol.ts). Runs until SIGTERM or SIGINT; spares that hold a call finish it. A spare that
 * dies before it is ready (a broken install) is restarted with a growing delay.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { NativeApi } from "../kernel/native";
import { isSpareLeftover, spareSocket, warmUpDataDir } from "./protocol";

const SPARE_NICE = 10;

export interface ServeOptions {
  dir: string;
  /** Spares kept free at once. */
  spares: number;
  /** bin/wasm-cni, which runs a spare with WASM_CNI_SPARE=1. */
  launcher: string;
  native: NativeApi;
  log(line: string): void;
}

/** Keeps `spares` spares free, and resolves once a signal stopped it. */
export function serve(opts: ServeOptions): Promise<void> {
  const lock = claimDir(opts);
  const free = new Set<ChildProcess>();
  let failures = 0;
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;
  /** Removes what a spare leaves in the directory: its socket, and its warm-up's state if it died warming up. */
  const forget = (child: ChildProcess): void => {
    if (child.pid === undefined) return;
    try {
      unlinkSync(spareSocket(opts.dir, child.pid));
    } catch {
      // it removed its socket itself when it took a call
    }
    rmSync(warmUpDataDir(opts.dir, child.pid), { recursive: true, force: true });
  };

  const topUp = (): void => {
    while (!stopping && retry === undefined && free.size < opts.spares) start();
  };
  const start = (): void => {
    const env = { ...process.env, WASM_CNI_SPARE: "1", WASM_CNI_PRESTART_DIR: opts.dir };
    // At a low priority (every thread inherits it), so that warming up yields to running calls;
    // a spare takes its client's priority with the call.
    const child = spawn("nice", ["-n", String(SPARE_NICE), process.execPath, opts.launcher], { env, stdio: ["ignore", "pipe", "inherit"] });
    free.add(child);
    let ready = false;
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      if (text.includes("ready")) {
        ready = true;
        failures = 0;
      }
      // Replaced once it has exited (after its call and its client), not now: starting a node
      // would take CPU from the call.
      if (text.includes("taken")) free.delete(child);
    });
    child.on("exit", (code, signal) => {
      forget(child);
      if (stopping) return;
      if (!free.delete(child)) return topUp(); // took a call, and is done with it
      // Died while free: not a call's doing (a spare that took one has left `free`).
      opts.log(`a spare exited before taking a call (${signal ?? `exit code ${code}`})${ready ? "" : " during its warm-up"}`);
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
      for (const child of free) {
        forget(child); // first, so that no client picks it now
        child.kill("SIGTERM");
      }
      // An empty directory left behind would make every cold call look for spares in it.
      unlinkSync(join(opts.dir, "serve.lock"));
      closeSync(lock);
      try {
        rmdirSync(opts.dir);
      } catch {
        // spares that hold a call still have their warm-up's leftovers, or it is not only ours
      }
      opts.log("stopped");
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    opts.log(`keeping ${opts.spares} spare${opts.spares === 1 ? "" : "s"} in ${opts.dir}`);
    topUp();
  });
}

/**
 * Makes the directory (only this user may enter it, since a socket there runs calls as root),
 * takes its lock so that one supervisor serves it, and removes sockets of spares that died
 * with an earlier supervisor (and their warm-up state). Returns the lock's fd, held while serving.
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
    if (isSpareLeftover(name)) rmSync(join(opts.dir, name), { recursive: true, force: true });
  }
  return lock;
}
