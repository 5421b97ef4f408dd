/**
 * The prestarted host (`wasm-cni serve`): a supervisor keeps a pool of host processes that have
 * loaded the bundle, compiled every plugin and run warm-up calls. They share one listening
 * socket, `<dir>/host.sock`, and each takes one call at a time, call after call. The client is
 * bin/wasm-cni, the exec shim a runtime execs (native/shim.c, which keeps a copy of the
 * constants below): it hands its call to the pool (environment, working directory, umask, and
 * its stdin/stdout/stderr themselves, as SCM_RIGHTS) and exits with the exit code it gets
 * back. A burst of calls waits in the socket's queue for the next free process; when none
 * takes the call within QUEUE_WAIT_MS, or there is no pool, the shim execs the Node host,
 * which runs the call itself, as always.
 *
 * Every call gets a fresh call context and fresh plugin instances; what a host process keeps
 * from one call to the next is listed in host-process.ts, which checks after each call that
 * nothing else survived it, and ends the process when something did.
 *
 *   client                                   host process
 *   connect ───────────────────────────────▶ accept (when free), check the peer's uid
 *           ◀─────────────────────────────── "ready"
 *   request (JSON) + fds 0, 1, 2 ──────────▶ check it, and that both are in one netns
 *           ◀─────────────────────────────── "refused <why>"  (nothing done: run it yourself)
 *                                            or: adopt stdio, env, cwd, umask, nice
 *           ◀─────────────────────────────── "started"  (from here only the host knows)
 *                                            run the call
 *           ◀─────────────────────────────── "exit <code>"
 *                                            give back stdio, env, cwd, umask; check; next call
 */
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Where the pool listens unless WASM_CNI_PRESTART_DIR says otherwise ("off": never forward). */
export const DEFAULT_DIR = "/run/wasm-cni";

/**
 * Host processes kept by default: twice the CPUs, at least 4 and at most 16. A call is CPU
 * work and waits in the kernel (an nftables commit that deletes waits ~10 ms for RCU); twice
 * the CPUs keeps them busy through those waits. On 2 cores (2026-12-08, a pool of N from a
 * shell, three rounds each), 20 ADDs and then 20 DELs at once took 97-110 and 54-69 ms with 2 or 3
 * processes, 93-122 and 62-81 ms with 4, 112-162 and 71-75 ms with 8; Go's plugins 111-124
 * and 92-107 ms. More processes than that only share the cores and the rtnl lock among more
 * calls. (Before link deletes returned at the kernel's notification, each DEL waited ~20 ms
 * for it, and DELs at once wanted as many processes as calls.) Each process holds ~22 MiB of
 * its own (supervisor.ts keeps its young generation small); Node's binary, ~40 MiB, is shared.
 */
export function defaultSpares(): number {
  return Math.min(16, Math.max(4, 2 * availableParallelism()));
}

/** The pool's one listening socket. */
export const hostSocket = (dir: string): string => `${dir}/host.sock`;
/** Present while the host process of this pid is warm and in the pool (removed when it leaves). */
export const readyMark = (dir: string, pid: number): string => `${dir}/ready-${pid}`;
export const isReadyMark = (name: string): boolean => /^ready-[0-9]+$/.test(name);
/** The socket a host process hands one call to itself on, while it warms up. */
export const rehearsalSocket = (dir: string, pid: number): string => `${dir}/rehearse-${pid}.sock`;
/** The IPAM state of a host process's warm-up calls; the supervisor removes it when the process is gone. */
export const warmUpDataDir = (dir: string, pid: number): string => `${dir}/warm-up-${pid}`;
/** What the pool leaves in the directory (by their names): its socket, marks, rehearsal sockets and warm-up state. */
export const isPoolLeftover = (name: string): boolean => name === "host.sock" || isReadyMark(name) || /^rehearse-[0-9]+\.sock$/.test(name) || /^warm-up-[0-9]+$/.test(name);

/**
 * How long the client waits for "ready" once connected: in a burst, calls queue until a host
 * process is free (a bridge ADD holds one ~10 ms; 20 at once on two processes, ~0.2 s). Past
 * this the pool is stuck on slow calls, and a cold call is the faster way.
 */
export const QUEUE_WAIT_MS = 1_000;

/** How long a host process waits for the request after "ready" before it drops the connection. */
export const REQUEST_WAIT_MS = 2_000;

/** Largest request a host process reads: the environment and a few paths. */
export const MAX_REQUEST_BYTES = 256 * 1024;

export const READY = "ready";
export const STARTED = "started";
export const REFUSED = "refused ";
export const EXIT = "exit ";

/** What the client sends: the process state a cold call would have had. */
export interface PrestartRequest {
  version: 1;
  /** argv[0] of the shim: the name the plugin is chosen by. */
  argv0: string;
  cwd: string;
  umask: number;
  /** The client's nice value: a host process warms up at a low priority and takes this one for the call. */
  priority: number;
  env: Record<string, string>;
  /** The client's network and mount namespaces, "dev:ino" (see namespaceIds). */
  ns: NamespaceIds;
}

export interface NamespaceIds {
  net: string;
  mnt: string;
}

/**
 * The calling thread's network and mount namespaces. A host process serves only a client in the same
 * ones: the host netns of a call is the one its process runs in, and CNI_NETNS is a path.
 */
export function namespaceIds(): NamespaceIds {
  const id = (kind: string): string => {
    const s = statSync(`/proc/thread-self/ns/${kind}`);
    return `${s.dev}:${s.ino}`;
  };
  return { net: id("net"), mnt: id("mnt") };
}

/** The pool's directory for this environment, or undefined when forwarding is off. */
export function prestartDir(env: Record<string, string | undefined>): string | undefined {
  const dir = env.WASM_CNI_PRESTART_DIR ?? DEFAULT_DIR;
  return dir === "" || dir === "off" ? undefined : dir;
}
