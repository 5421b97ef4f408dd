/**
 * The client side of the prestarted host (see protocol.ts): bin/wasm-cni requires this small
 * bundle (dist/wasm-cni-client.cjs) before the host bundle, only when the spares' directory
 * exists. forward() returns the call's exit code when a spare ran it, or undefined when this
 * process must run it itself; it never leaves a call half-done behind an undefined.
 */
import { lstatSync, readdirSync, writeSync } from "node:fs";
import { getPriority } from "node:os";
import { loadNative, type NativeApi } from "../kernel/native";
import { EXIT, isSpareSocket, namespaceIds, type PrestartRequest, READY, READY_WAIT_MS, STARTED } from "./protocol";

export function forward(dir: string, nativeDir: string): number | undefined {
  let native: NativeApi;
  let names: string[];
  try {
    const distrust = untrustedDir(dir);
    if (distrust !== undefined) return notHandedOver(dir, distrust);
    names = readdirSync(dir).filter(isSpareSocket);
    if (names.length === 0) return undefined;
    native = loadNative(nativeDir);
  } catch {
    return undefined;
  }
  // Start at a place of our own, so that callers at the same moment try different spares.
  const start = process.pid % names.length;
  for (let i = 0; i < names.length; i++) {
    const fd = handOver(native, `${dir}/${names[(start + i) % names.length]}`);
    if (fd !== undefined) return outcome(native, fd);
  }
  return undefined;
}

/**
 * Why the spares' directory is not to be trusted with this process's call, or undefined. A
 * spare gets root's environment, config and stdio: only a directory that nobody but this
 * process's own user (root, for a runtime) can put a socket in will do, as `serve` makes it.
 */
function untrustedDir(dir: string): string | undefined {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) return "it is a symlink";
  if (!st.isDirectory()) return "it is not a directory";
  if (st.uid !== process.geteuid?.()) return `it is owned by uid ${st.uid}, not this process's uid ${process.geteuid?.()}`;
  if ((st.mode & 0o077) !== 0) return `its mode ${(st.mode & 0o777).toString(8).padStart(4, "0")} lets others in (serve makes it 0700)`;
  return undefined;
}

/** Runs the call cold, saying why on stderr when tracing (WASM_CNI_TRACE): stderr is the runtime's. */
function notHandedOver(where: string, why: string): undefined {
  if (process.env.WASM_CNI_TRACE) writeSync(2, `wasm-cni: not handing the call to a spare in ${where}: ${why}; running it here\n`);
  return undefined;
}

/** Connects to a spare and sends it the call; undefined (nothing done) when it cannot take it. */
function handOver(native: NativeApi, socket: string): number | undefined {
  let fd: number;
  try {
    fd = native.unixConnect(socket); // ECONNREFUSED: taken or gone meanwhile
  } catch {
    return undefined;
  }
  try {
    // The peer's credentials are those of the process that listened: a socket that some other
    // user's process serves never gets the call, whoever put it in the directory.
    const uid = native.peerUid(fd);
    if (uid !== process.geteuid?.()) {
      native.close(fd);
      return notHandedOver(socket, `the process serving it runs as uid ${uid}, not this process's uid ${process.geteuid?.()}`);
    }
    if (!native.waitReadable(fd, READY_WAIT_MS) || message(native, fd) !== READY) throw new Error("not ready");
    const request: PrestartRequest = {
      version: 1,
      argv0: process.argv[1] ?? process.argv0,
      cwd: process.cwd(),
      umask: process.umask(),
      priority: getPriority(),
      env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
      ns: namespaceIds(),
    };
    native.sendMsg(fd, Buffer.from(JSON.stringify(request)), [0, 1, 2]);
    return fd;
  } catch {
    native.close(fd); // the spare went away before it had the request: nothing was done
    return undefined;
  }
}

/**
 * Waits for the spare that has the call. Until it says "started" nothing was done, and this
 * process may still run the call itself; after, only the spare knows how the call ended.
 */
function outcome(native: NativeApi, fd: number): number | undefined {
  const next = (): string => {
    try {
      return message(native, fd);
    } catch {
      return ""; // as a hang-up
    }
  };
  if (next() !== STARTED) return undefined; // refused, or gone before it began
  const reply = next();
  const code = reply.startsWith(EXIT) ? Number(reply.slice(EXIT.length)) : NaN;
  if (Number.isInteger(code) && code >= 0 && code <= 255) return code;
  const msg = "the prestarted host (wasm-cni serve) ended before it finished the call; its changes may not have been rolled back";
  writeSync(1, `${JSON.stringify({ cniVersion: "1.0.0", code: 999, msg }, null, 4)}\n`);
  return 1;
}

const buf = new Uint8Array(4096);

function message(native: NativeApi, fd: number): string {
  const [n = 0] = native.recvMsg(fd, buf);
  return Buffer.from(buf.buffer, 0, n).toString("utf8");
}
