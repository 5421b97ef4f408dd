// net.* sysctls of one network namespace, through /proc/sys/net opened from inside it.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { Errno, KernelError } from "./errors";
import type { NetnsHandle } from "./netns";

// net.<segment>...: no "..", no "/", no empty segments, no upper case.
const KEY = /^net(\.[a-z0-9_-]+)+$/;

function sysctlPath(key: string): string {
  if (!KEY.test(key)) throw new KernelError(`sysctl ${key}`, Errno.EINVAL, "key must be net.<a-z0-9_-> segments");
  return `/proc/sys/${key.replaceAll(".", "/")}`;
}

// /proc/sys/net resolves to the netns of the thread that opens the file: open it inside ns.
function openIn(ns: NetnsHandle, key: string, flags: "r" | "w"): number {
  const path = sysctlPath(key);
  return ns.enter(() => {
    try {
      return openSync(path, flags);
    } catch (err) {
      throw KernelError.fromNative(`sysctl ${key}`, err);
    }
  });
}

/** Reads a net.* sysctl in ns, trailing newline removed. Equivalent to: `ip netns exec $ns sysctl -n $key` */
export function sysctlGet(ns: NetnsHandle, key: string): string {
  const fd = openIn(ns, key, "r");
  try {
    return readFileSync(fd, "utf8").replace(/\n$/, "");
  } catch (err) {
    throw KernelError.fromNative(`sysctl ${key}`, err);
  } finally {
    closeSync(fd);
  }
}

/** Writes a net.* sysctl in ns. Equivalent to: `ip netns exec $ns sysctl -w $key=$value` */
export function sysctlSet(ns: NetnsHandle, key: string, value: string): void {
  const fd = openIn(ns, key, "w");
  try {
    writeSync(fd, value);
  } catch (err) {
    throw KernelError.fromNative(`sysctl -w ${key}=${value}`, err);
  } finally {
    closeSync(fd);
  }
}
