/**
 * A spare: a host process started by `wasm-cni serve` that waits for one forwarded call (see
 * protocol.ts), becomes that call's process (stdio, environment, working directory, umask)
 * and runs it exactly as a cold exec would, then exits. Connections it cannot serve (another
 * uid, another namespace, a bad request, a client that gave up) it drops and keeps waiting.
 */
import { chmodSync, closeSync, openSync, readdirSync, unlinkSync, writeSync } from "node:fs";
import { setPriority } from "node:os";
import * as z from "zod/mini";
import type { NativeApi } from "../kernel/native";
import { EXIT, MAX_REQUEST_BYTES, type NamespaceIds, namespaceIds, type PrestartRequest, READY, REFUSED, REQUEST_WAIT_MS, spareSocket, STARTED } from "./protocol";

/** How often a free spare checks that its supervisor is still there. */
const SUPERVISOR_CHECK_MS = 500;

/** How long a spare that has answered waits for its client to exit before it exits itself. */
const CLIENT_EXIT_WAIT_MS = 1_000;

const requestSchema = z.object({
  version: z.literal(1),
  argv0: z.string(),
  cwd: z.string(),
  umask: z.number().check(z.int(), z.minimum(0), z.maximum(0o777)),
  priority: z.number().check(z.int(), z.minimum(-20), z.maximum(19)),
  env: z.record(z.string(), z.string()),
  ns: z.object({ net: z.string(), mnt: z.string() }),
});

/** A connection that sent a request this spare will run, with the client's stdio. */
interface Taken {
  conn: number;
  request: PrestartRequest;
  stdio: number[];
}

/**
 * Listens on this spare's socket in `dir`, serves one call and exits. `run` runs a call with
 * the process as it is (what main does for a cold exec). "ready" and "taken" on fd 1 (a pipe
 * to the supervisor until it becomes the client's stdout) tell the supervisor how it goes.
 */
export async function takeOneCall(native: NativeApi, dir: string, run: (argv0: string) => Promise<void>): Promise<never> {
  const own = namespaceIds();
  const socket = spareSocket(dir, process.pid);
  const listenFd = native.unixListen(socket, 16);
  chmodSync(socket, 0o600);
  rehearse(native, listenFd, socket, own);
  // Warmed up at the supervisor's low priority; a free spare waits at the normal one, so that
  // on a busy node taking a call is not queued behind other work (adopt then takes the client's).
  setPriorityOfAllThreads(0);
  writeSync(1, "ready\n");
  const supervisor = process.ppid;
  let taken: Taken | undefined;
  while (taken === undefined) {
    // A spare whose supervisor died (SIGKILL) goes too: a new supervisor removes its socket.
    if (!native.waitReadable(listenFd, SUPERVISOR_CHECK_MS)) {
      if (process.ppid !== supervisor) process.exit(0);
      continue;
    }
    const conn = native.accept(listenFd);
    try {
      taken = receive(native, conn, own);
    } catch {
      taken = undefined; // the client went away: wait for the next one
    }
    if (taken === undefined) native.close(conn);
  }
  const { conn, request, stdio } = taken;
  // Gone from the directory first, so that no other client picks this spare now.
  unlinkSync(socket);
  native.close(listenFd);
  writeSync(1, "taken\n");
  adopt(native, request, stdio);
  native.sendMsg(conn, Buffer.from(STARTED), []);
  let code = 1;
  try {
    await run(request.argv0);
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } finally {
    // Let go of the client's stdio first: its runtime reads stdout until every copy is closed,
    // and this process's exit (tearing down V8) is not worth waiting for.
    const devNull = openSync("/dev/null", "r+");
    for (const fd of [0, 1, 2]) native.dup2(devNull, fd);
    closeSync(devNull);
    try {
      native.sendMsg(conn, Buffer.from(`${EXIT}${code}`), []);
      // Tearing down V8 takes a core for a few ms: not while the client still has to exit.
      native.waitReadable(conn, CLIENT_EXIT_WAIT_MS);
    } catch {
      // the client is gone; nothing is left to tell
    }
  }
  process.exit(0);
}

/**
 * One hand-over to itself before the first client's, with /dev/null for stdio: the code that
 * takes a call (socket calls, JSON, the request's schema) has then run once, which saves a
 * real hand-over ~1 ms.
 */
function rehearse(native: NativeApi, listenFd: number, socket: string, own: NamespaceIds): void {
  const devNull = openSync("/dev/null", "r+");
  const client = native.unixConnect(socket);
  const conn = native.accept(listenFd);
  try {
    const request: PrestartRequest = { version: 1, argv0: "bridge", cwd: process.cwd(), umask: process.umask(), priority: 0, env: { ...process.env } as Record<string, string>, ns: own };
    native.sendMsg(client, Buffer.from(JSON.stringify(request)), [devNull, devNull, devNull]);
    for (const fd of receive(native, conn, own)?.stdio ?? []) native.close(fd);
  } finally {
    for (const fd of [conn, client, devNull]) native.close(fd);
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
  setPriorityOfAllThreads(request.priority);
  stdio.forEach((fd, i) => {
    native.dup2(fd, i);
    native.close(fd);
  });
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, request.env);
  process.umask(request.umask);
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
