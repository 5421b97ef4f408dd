/**
 * The prestarted host (`wasm-cni serve`): a supervisor keeps spare host processes that have
 * loaded the bundle, compiled every plugin and run a warm-up call. Each ready spare listens
 * on a socket of its own, `<dir>/spare-<pid>.sock`, and removes it when it takes a call, so
 * the sockets in the directory are the spares that are free. The client is bin/wasm-cni, the
 * exec shim a runtime execs (native/shim.c, which keeps a copy of the constants below): it
 * hands its call to one (environment, working directory, umask, and its stdin/stdout/stderr
 * themselves, as SCM_RIGHTS) and exits with the spare's exit code; with no spare free it
 * execs the Node host, which runs the call itself, as always.
 *
 * Each spare takes exactly one call and exits, so calls share no process: what one plugin
 * did to its process is gone before the next call, as with a cold exec.
 *
 *   client                                   spare
 *   connect ───────────────────────────────▶ accept, check the peer's uid
 *           ◀─────────────────────────────── "ready"
 *   request (JSON) + fds 0, 1, 2 ──────────▶ check it, and that both are in one netns
 *           ◀─────────────────────────────── "refused <why>"  (nothing done: run it yourself)
 *                                            or: adopt stdio, env, cwd, umask, nice
 *           ◀─────────────────────────────── "started"  (from here only the spare knows)
 *                                            run the call
 *           ◀─────────────────────────────── "exit <code>"
 */
import { statSync } from "node:fs";

/** Where the spares listen unless WASM_CNI_PRESTART_DIR says otherwise ("off": never forward). */
export const DEFAULT_DIR = "/run/wasm-cni";

/**
 * Spares kept free by default: a pod's network setup is often a chain of execs in a row
 * (bridge, portmap, firewall, tuning), and a spare needs ~0.2 s to warm up after it is taken.
 * Each holds ~50 MiB.
 */
export const DEFAULT_SPARES = 2;

export const spareSocket = (dir: string, pid: number): string => `${dir}/spare-${pid}.sock`;
/** The IPAM state of a spare's warm-up call; the supervisor removes it with the spare's socket. */
export const warmUpDataDir = (dir: string, pid: number): string => `${dir}/warm-up-${pid}`;
export const isSpareSocket = (name: string): boolean => /^spare-[0-9]+\.sock$/.test(name);
/** What a spare leaves in the directory: its socket and its warm-up's state (by their names). */
export const isSpareLeftover = (name: string): boolean => isSpareSocket(name) || /^warm-up-[0-9]+$/.test(name);

/**
 * How long the client waits for a spare's "ready" once connected. A free spare waits in
 * accept() and answers in well under a millisecond; this bounds only a spare that is stuck.
 */
export const READY_WAIT_MS = 100;

/** How long a spare waits for the request after "ready" before it drops the connection. */
export const REQUEST_WAIT_MS = 2_000;

/** Largest request a spare reads: the environment and a few paths. */
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
  /** The client's nice value: a spare warms up at a low priority and takes this one for the call. */
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
 * The calling thread's network and mount namespaces. A spare serves only a client in the same
 * ones: the host netns of a call is the one its process runs in, and CNI_NETNS is a path.
 */
export function namespaceIds(): NamespaceIds {
  const id = (kind: string): string => {
    const s = statSync(`/proc/thread-self/ns/${kind}`);
    return `${s.dev}:${s.ino}`;
  };
  return { net: id("net"), mnt: id("mnt") };
}

/** The spares' directory for this environment, or undefined when forwarding is off. */
export function prestartDir(env: Record<string, string | undefined>): string | undefined {
  const dir = env.WASM_CNI_PRESTART_DIR ?? DEFAULT_DIR;
  return dir === "" || dir === "off" ? undefined : dir;
}
