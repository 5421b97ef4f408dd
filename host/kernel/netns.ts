// Network namespace handles: an open fd on a netns file, never a global "current namespace".
import { closeSync, fstatSync, openSync } from "node:fs";
import { Errno, KernelError, NetnsGoneError } from "./errors";
import type { NativeApi } from "./native";

const SELF = "/proc/thread-self/ns/net";
/** What NS_GET_NSTYPE answers for a network namespace. */
const CLONE_NEWNET = 0x40000000;

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
   * does not exist and a KernelError (EINVAL) when it is not a network namespace: a FIFO, a
   * socket, a device, a directory, a plain file or a namespace of another kind fails at once,
   * before anything is opened for real (the addon's nsOpen opens the path with O_PATH, then
   * only a file on nsfs, and asks its type), so a FIFO cannot block the call in open(2).
   */
  static open(native: NativeApi, path: string): NetnsHandle {
    let fd: number;
    let type: number;
    try {
      [fd, type] = native.nsOpen(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NetnsGoneError(path, { cause: err });
      throw KernelError.fromNative(`open netns ${path}`, err);
    }
    if (fd < 0) throw new KernelError(`open netns ${path}`, Errno.EINVAL, "not a network namespace (not a namespace file)");
    if (type !== CLONE_NEWNET) {
      closeSync(fd);
      throw new KernelError(`open netns ${path}`, Errno.EINVAL, "not a network namespace (a namespace of another kind)");
    }
    return new NetnsHandle(native, fd, path);
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
