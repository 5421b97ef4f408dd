// Network namespace handles: an open fd on a netns file, never a global "current namespace".
import { closeSync, fstatSync, openSync, statfsSync } from "node:fs";
import { Errno, KernelError, NetnsGoneError } from "./errors";
import type { NativeApi } from "./native";

const SELF = "/proc/thread-self/ns/net";
const NSFS_MAGIC = 0x6e736673;

/** An open network namespace (like netns.NsHandle). Close it when done. */
export class NetnsHandle {
  private closed = false;

  private constructor(
    readonly native: NativeApi,
    readonly fd: number,
    readonly path: string,
  ) {}

  /**
   * Opens a netns file such as /run/netns/x or /proc/<pid>/ns/net. Throws NetnsGoneError when it
   * does not exist and a KernelError (EINVAL) when it is not a network namespace.
   */
  static open(native: NativeApi, path: string): NetnsHandle {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NetnsGoneError(path, { cause: err });
      throw KernelError.fromNative(`open netns ${path}`, err);
    }
    // Namespace files live on nsfs.
    if (statfsSync(`/proc/self/fd/${fd}`).type !== NSFS_MAGIC) {
      closeSync(fd);
      throw new KernelError(`open netns ${path}`, Errno.EINVAL, "not a network namespace");
    }
    // Which kind of namespace it is only setns(CLONE_NEWNET) tells (a bind-mounted file's /proc
    // link shows its path): try it now, not at the first use, when a plugin would have done its
    // IPAM already (CNI_NETNS=/proc/self/ns/mnt left last_reserved_ip behind after the rollback).
    const handle = new NetnsHandle(native, fd, path);
    try {
      handle.enter(() => undefined);
    } catch (err) {
      handle.close();
      if (err instanceof KernelError && err.errno === Errno.EINVAL) throw new KernelError(`open netns ${path}`, Errno.EINVAL, "not a network namespace");
      throw err;
    }
    return handle;
  }

  /** The netns the calling thread is in now. */
  static current(native: NativeApi): NetnsHandle {
    return NetnsHandle.open(native, SELF);
  }

  /** The namespace's identity ("net:[4026531840]"), equal for two handles on the same netns. */
  id(): string {
    return `net:[${fstatSync(this.fd).ino}]`;
  }

  /**
   * Runs fn with the calling thread inside this netns and returns to the original one after,
   * for the few things that depend on the thread's netns at open time (/proc/sys/net files).
   */
  enter<T>(fn: () => T): T {
    const saved = openSync(SELF, "r");
    try {
      try {
        this.native.setns(this.fd);
      } catch (err) {
        throw KernelError.fromNative(`enter netns ${this.path}`, err);
      }
      try {
        return fn();
      } finally {
        try {
          this.native.setns(saved);
        } catch (err) {
          // Carrying on in the wrong netns could change the wrong network: stop the process.
          process.stderr.write(`wasm-cni: cannot return to the original netns: ${String(err)}\n`);
          process.abort();
        }
      }
    } finally {
      closeSync(saved);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
