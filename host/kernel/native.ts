// Typed loader for the N-API addon in native/: the syscalls Node lacks (setns, AF_NETLINK, flock, tun ioctls).
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
  /** Moves the calling thread into the network namespace of fd (CLONE_NEWNET). */
  setns(fd: number): void;
  /** flock(2); returns false when wait is false and another holder has the lock. */
  flock(fd: number, op: "ex" | "sh" | "un", wait: boolean): boolean;
  /**
   * Makes a persistent tap device `name` in the netns of nsFd (/dev/net/tun opened there, then
   * TUNSETIFF, TUNSETOWNER/TUNSETGROUP unless -1, TUNSETPERSIST).
   */
  tapCreate(nsFd: number, name: string, multiQueue: boolean, vnetHdr: boolean, owner: number, group: number): void;
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
