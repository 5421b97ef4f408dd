/**
 * A host process of `wasm-cni serve`'s pool: started by the supervisor with the pool's
 * listening socket as fd 3, it warms up, then takes forwarded calls (see protocol.ts) one at a
 * time. For each it becomes the call's process (stdio, environment, working directory, umask,
 * nice value), runs it exactly as a cold exec would (a fresh call context, fresh plugin
 * instances), then gives all of that back and checks that the call left nothing behind.
 *
 * What it keeps from one call to the next, and nothing else (README, "Faster calls"):
 * - the host's code and its pure caches: parsed schemas, the time-limit trampoline, the addon;
 * - the plugins' compiled main modules (code only, never an instance or a memory), each used
 *   only while its files are the very ones it was compiled from (load-component.ts);
 * - the pool's listening socket (fd 3) and the files Node itself holds;
 * - for a few tens of ms after a call that deleted a link, the addon's thread that waits for
 *   the kernel's ack of that delete, with its netlink socket (openFds leaves it out).
 * After each call the open descriptors (by number and what they are), Node's active handles
 * and timers, the environment, working directory and umask must be exactly those it had before
 * its first call; otherwise, after MAX_CALLS calls, or past MAX_GROWTH_BYTES more resident
 * memory than when it was warm, it leaves the pool and exits, and the supervisor starts
 * another. Connections it cannot serve (another uid, another namespace, a bad request, a
 * client that gave up) it drops.
 */
import { chmodSync, openSync, readdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { setPriority } from "node:os";
import * as z from "zod/mini";
import type { NativeApi } from "../kernel/native";
import { EXIT, MAX_REQUEST_BYTES, type NamespaceIds, namespaceIds, type PrestartRequest, READY, readyMark, REFUSED, rehearsalSocket, REQUEST_WAIT_MS, STARTED } from "./protocol";

/** The pool's listening socket, as the supervisor passes it. */
export const POOL_SOCKET_FD = 3;

/** How often a free host process checks that its supervisor is still there. */
const SUPERVISOR_CHECK_MS = 500;

/** The nice value a free host process waits at (and runs a call at, unless its client's differs). */
const WAITING_PRIORITY = 0;

/** Calls a host process takes before it makes way for a fresh one. */
const MAX_CALLS = 1_000;

/** Resident memory a host process may gain over its warm self before it makes way for a fresh one. */
const MAX_GROWTH_BYTES = 64 * 1024 * 1024;

const requestSchema = z.object({
  version: z.literal(1),
  argv0: z.string(),
  cwd: z.string(),
  umask: z.number().check(z.int(), z.minimum(0), z.maximum(0o777)),
  priority: z.number().check(z.int(), z.minimum(-20), z.maximum(19)),
  env: z.record(z.string(), z.string()),
  ns: z.object({ net: z.string(), mnt: z.string() }),
});

/** A connection that sent a request this process will run, with the client's stdio. */
interface Taken {
  conn: number;
  request: PrestartRequest;
  stdio: number[];
}

/** What a call must leave as it found it (see the file's comment). */
export interface ProcessState {
  fds: string;
  handles: string;
  env: string;
  cwd: string;
  umask: number;
}

export function processState(native: Pick<NativeApi, "openFds">): ProcessState {
  const fds = native.openFds().split("\n").filter((s) => s !== "").sort();
  const umask = process.umask(0);
  process.umask(umask);
  return {
    fds: fds.join(" "),
    handles: [...process.getActiveResourcesInfo()].sort().join(" "),
    env: JSON.stringify(Object.entries(process.env).sort()),
    cwd: process.cwd(),
    umask,
  };
}

/** Which part of the state a call changed, or undefined. */
export function leftover(before: ProcessState, after: ProcessState): string | undefined {
  for (const key of Object.keys(before) as (keyof ProcessState)[]) {
    if (before[key] !== after[key]) return `${key}: before ${JSON.stringify(before[key])}, after ${JSON.stringify(after[key])}`;
  }
  return undefined;
}

/**
 * Takes calls on the pool's socket until a check says this process must go, then exits.
 * `run` runs a call with the process as it is (what main does for a cold exec). "ready" on
 * fd 1 (a pipe to the supervisor until it becomes a client's stdout) says it is warm.
 */
export async function serveCalls(native: NativeApi, dir: string, log: (line: string) => void, run: (argv0: string) => Promise<void>): Promise<never> {
  const own = namespaceIds();
  rehearse(native, dir, own);
  // Warmed up at the supervisor's low priority; a free host process waits at the normal one,
  // so that on a busy node taking a call is not queued behind other work.
  setPriorityOfAllThreads(WAITING_PRIORITY);
  const mark = readyMark(dir, process.pid);
  writeFileSync(mark, "", { mode: 0o600 });
  writeSync(1, "ready\n");
  // Between calls: stdin and stdout /dev/null (stdout was the pipe to the supervisor), stderr serve's.
  // (A copy of stderr: a descriptor number of our own from /dev/null, then stderr duplicated onto it.)
  const between = [openSync("/dev/null", "r+"), openSync("/dev/null", "r+"), openSync("/dev/null", "r")];
  native.dup2(2, between[2] ?? 2);
  for (const [i, fd] of between.slice(0, 2).entries()) native.dup2(fd, i);
  const home = processState(native);
  const rssAtStart = process.memoryUsage.rss();
  const supervisor = process.ppid;
  const leave = (why: string | undefined): never => {
    rmSync(mark, { force: true });
    if (why !== undefined) log(`a host process leaves the pool: ${why}`);
    process.exit(0);
  };
  for (let calls = 0; calls < MAX_CALLS; ) {
    // A host process whose supervisor died (SIGKILL) goes too: a new supervisor removes its mark.
    // Exclusive: a connection wakes one free host process, not the whole pool.
    if (!native.waitReadable(POOL_SOCKET_FD, SUPERVISOR_CHECK_MS, true)) {
      if (process.ppid !== supervisor) leave(undefined);
      continue;
    }
    const conn = native.accept(POOL_SOCKET_FD);
    if (conn < 0) continue; // another host process took it
    let taken: Taken | undefined;
    try {
      taken = receive(native, conn, own);
    } catch {
      taken = undefined; // the client went away
    }
    if (taken === undefined) {
      native.close(conn);
      continue;
    }
    calls++;
    await runOne(native, taken, run, home, between);
    const changed = leftover(home, processState(native));
    if (changed !== undefined) leave(`a call left its mark on the process (${changed})`);
    if (process.memoryUsage.rss() - rssAtStart > MAX_GROWTH_BYTES) leave(`it grew by more than ${MAX_GROWTH_BYTES >> 20} MiB`);
  }
  return leave(`it took ${MAX_CALLS} calls`);
}

/** One call: adopt the client's process state, run, report, and give it all back. */
async function runOne(native: NativeApi, taken: Taken, run: (argv0: string) => Promise<void>, home: ProcessState, between: number[]): Promise<void> {
  const { conn, request, stdio } = taken;
  adopt(native, request, stdio);
  let code = 1;
  try {
    native.sendMsg(conn, Buffer.from(STARTED), []);
    await run(request.argv0);
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch {
    // the client went away before "started": the call was not run (or run broke: code 1)
  } finally {
    // Let go of the client's stdio first: its runtime reads stdout until every copy is closed.
    between.forEach((fd, i) => native.dup2(fd, i));
    try {
      native.sendMsg(conn, Buffer.from(`${EXIT}${code}`), []);
    } catch {
      // the client is gone; nothing is left to tell
    }
    native.close(conn);
    process.exitCode = undefined;
    restore(home, request);
  }
}

/**
 * One hand-over to itself before the first client's, on a socket of its own, with /dev/null
 * for stdio: the code that takes a call (socket calls, JSON, the request's schema) has then
 * run once, which saves a real hand-over ~1 ms.
 */
function rehearse(native: NativeApi, dir: string, own: NamespaceIds): void {
  const path = rehearsalSocket(dir, process.pid);
  const listenFd = native.unixListen(path, 1);
  chmodSync(path, 0o600);
  const devNull = openSync("/dev/null", "r+");
  const client = native.unixConnect(path);
  const conn = native.accept(listenFd);
  try {
    const request: PrestartRequest = { version: 1, argv0: "bridge", cwd: process.cwd(), umask: process.umask(), priority: 0, env: { ...process.env } as Record<string, string>, ns: own };
    native.sendMsg(client, Buffer.from(JSON.stringify(request)), [devNull, devNull, devNull]);
    for (const fd of receive(native, conn, own)?.stdio ?? []) native.close(fd);
  } finally {
    for (const fd of [conn, client, devNull, listenFd]) native.close(fd);
    unlinkSync(path);
  }
}

function receive(native: NativeApi, conn: number, own: NamespaceIds): Taken | undefined {
  if (native.peerUid(conn) !== process.geteuid?.()) return undefined;
  native.sendMsg(conn, Buffer.from(READY), []);
  if (!native.waitReadable(conn, REQUEST_WAIT_MS)) return undefined;
  const buf = new Uint8Array(MAX_REQUEST_BYTES);
  let message: number[];
  try {
    message = native.recvMsg(conn, buf);
  } catch {
    message = [0]; // larger than MAX_REQUEST_BYTES (the addon closed what it passed)
  }
  const [n = 0, ...fds] = message;
  const refuse = (why: string): undefined => {
    for (const fd of fds) native.close(fd);
    native.sendMsg(conn, Buffer.from(REFUSED + why), []);
    return undefined;
  };
  if (n === 0) return refuse(`no request, or one larger than ${MAX_REQUEST_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(buf.buffer, 0, n).toString("utf8"));
  } catch {
    return refuse("the request is not JSON");
  }
  const request = requestSchema.safeParse(parsed);
  if (!request.success) return refuse("the request does not match the protocol");
  if (fds.length !== 3) return refuse(`expected stdin, stdout and stderr, got ${fds.length} descriptors`);
  if (request.data.ns.net !== own.net || request.data.ns.mnt !== own.mnt) return refuse("the client runs in another network or mount namespace");
  try {
    process.chdir(request.data.cwd);
  } catch {
    return refuse("cannot enter the client's working directory");
  }
  return { conn, request: request.data, stdio: fds };
}

/** Becomes the client's process for the call: its stdio, environment, umask and priority (receive entered its directory). */
function adopt(native: NativeApi, request: PrestartRequest, stdio: number[]): void {
  if (request.priority !== WAITING_PRIORITY) setPriorityOfAllThreads(request.priority); // a syscall per thread: only when it differs
  stdio.forEach((fd, i) => {
    native.dup2(fd, i);
    native.close(fd);
  });
  replaceEnv(request.env);
  process.umask(request.umask);
}

/** Gives back what adopt took: environment, directory, umask, priority. */
function restore(home: ProcessState, request: PrestartRequest): void {
  replaceEnv(Object.fromEntries(JSON.parse(home.env) as [string, string][]));
  process.chdir(home.cwd);
  process.umask(home.umask);
  if (request.priority !== WAITING_PRIORITY) setPriorityOfAllThreads(WAITING_PRIORITY);
}

function replaceEnv(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
}

/** Nice values are per thread on Linux: every thread of this process (V8's, libuv's) gets it. */
function setPriorityOfAllThreads(priority: number): void {
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      setPriority(Number(tid), priority);
    } catch {
      // a thread that ended meanwhile
    }
  }
}
