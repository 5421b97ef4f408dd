// Typed loader for the N-API addon in native/: the syscalls Node lacks (setns, AF_NETLINK, flock,
// tun ioctls, and the Unix sockets of the prestarted host: SCM_RIGHTS, SO_PEERCRED).
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The addon's functions. All are synchronous; failures throw an Error with `code` (errno name) and `errno`. */
export interface NativeApi {
  /**
   * Opens a netlink socket that stays bound to the netns of nsFd (-1: the current one):
   * NETLINK_ROUTE (0, the default) or NETLINK_NETFILTER (12).
   */
  netlinkSocket(nsFd: number, protocol?: number): number;
  send(fd: number, bytes: Uint8Array): number;
  /** Blocks for one datagram and returns its length; a datagram larger than buf throws EMSGSIZE. */
  recv(fd: number, buf: Uint8Array): number;
  close(fd: number): void;
  /**
   * Opens a namespace file without blocking: [fd, its CLONE_NEW* type], or [-1, 0] when the path
   * is no namespace file (opened with O_PATH, so a FIFO or a device is never opened for real).
   */
  nsOpen(path: string): [number, number];
  /** Moves the calling thread into the network namespace of fd (CLONE_NEWNET). */
  setns(fd: number): void;
  /** flock(2); returns false when wait is false and another holder has the lock. */
  flock(fd: number, op: "ex" | "sh" | "un", wait: boolean): boolean;
  /**
   * Makes a persistent tap device `name` in the netns of nsFd (/dev/net/tun opened there, then
   * TUNSETIFF, TUNSETOWNER/TUNSETGROUP unless -1, TUNSETPERSIST).
   */
  tapCreate(nsFd: number, name: string, multiQueue: boolean, vnetHdr: boolean, owner: number, group: number): void;
  /** A listening SOCK_SEQPACKET Unix socket bound to path, non-blocking (host/prestart). */
  unixListen(path: string, backlog: number): number;
  /** A connected SOCK_SEQPACKET socket; throws EAGAIN at once when the backlog is full, ECONNREFUSED when nobody listens. */
  unixConnect(path: string): number;
  /** The next connection on a listening socket, or -1 when none is waiting (it is non-blocking). */
  accept(fd: number): number;
  /** The uid of the process at the other end of a Unix socket (SO_PEERCRED). */
  peerUid(fd: number): number;
  /** "N=target" for each open descriptor (readlink of /proc/self/fd/N), one per line, unsorted. */
  openFds(): string;
  /**
   * True when a message, a connection or the peer's hang-up is waiting, false after timeoutMs.
   * `exclusive`: of the processes waiting on one listening socket, a connection wakes one.
   */
  waitReadable(fd: number, timeoutMs: number, exclusive?: boolean): boolean;
  /** Sends one message with up to three file descriptors (SCM_RIGHTS). */
  sendMsg(fd: number, bytes: Uint8Array, fds: number[]): number;
  /** Blocks for one message: [length (0: the peer hung up), ...file descriptors passed with it]. */
  recvMsg(fd: number, buf: Uint8Array): number[];
  dup2(oldFd: number, newFd: number): void;
  /** Moves the calling thread into a new, empty network namespace. */
  unshareNet(): void;
  /**
   * Sends `request` (an RTM_DELLINK of link `index`, with NLM_F_ACK) in the netns of nsFd and
   * returns once the kernel has taken the link off its lists (its RTM_DELLINK notification):
   * undefined. The rest of the kernel's teardown (~20 ms: an rcu_barrier before the ack) is
   * left to a thread of the addon that waits for the ack. Returns the ack's datagram instead
   * when it came first (an error).
   */
  linkDelete(nsFd: number, request: Uint8Array, index: number): Uint8Array | undefined;
}

const ADDON = "wasm_cni_native.node";

// Places the addon can be, relative to a directory: the bundle's dist/ or a source folder.
function candidates(dir: string): string[] {
  return [
    join(dir, ADDON),
    join(dir, "../native/build/Release", ADDON),
    join(dir, "../../native/build/Release", ADDON),
    join(dir, "native/build/Release", ADDON),
  ];
}

/**
 * Loads the addon. `dir` is where to look (default: this module's directory, which is dist/ for
 * the bundle and host/kernel/ for tests run from source); a path ending in `.node` is taken as is.
 */
export function loadNative(dir: string = __dirname): NativeApi {
  const file = dir.endsWith(".node") ? dir : candidates(dir).find((p) => existsSync(p));
  if (file === undefined) {
    throw new Error(`native addon ${ADDON} not found near ${dir}: run \`npm run build\``);
  }
  const mod: { exports: NativeApi } = { exports: {} as NativeApi };
  process.dlopen(mod, file);
  return mod.exports;
}
