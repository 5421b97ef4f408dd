// net.* sysctls of one network namespace, through /proc/sys/net opened from inside it.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { Errno, KernelError } from "./errors";
import type { NetnsHandle } from "./netns";

// net.<segment>...: no "..", no "/", no empty segments, no upper case.
const DOTTED = /^net(\.[a-z0-9_-]+)+$/;
// A part of a key written with "/" (as sysctl(8) takes it): an interface name may hold dots
// ("net/ipv4/conf/eth0.100/forwarding"); never "", "." or "..".
const PART = /^[A-Za-z0-9_.@+-]{1,64}$/;

/**
 * The parts of a key, "net.ipv4.ip_forward" or "net/ipv4/conf/eth0.100/forwarding" (sysctl(8)'s
 * two spellings), under net/ and nowhere else; null for anything else: another subsystem, an
 * empty, "." or ".." part, a "/" in a dotted key, more than 16 parts.
 */
export function sysctlKeyParts(key: string): string[] | null {
  if (DOTTED.test(key)) return key.split(".");
  if (!key.includes("/") || key.length > 256) return null;
  const parts = key.split("/");
  if (parts.length < 2 || parts.length > 16 || parts[0] !== "net") return null;
  return parts.every((p) => PART.test(p) && p !== "." && p !== "..") ? parts : null;
}

function sysctlPath(key: string): string {
  const parts = sysctlKeyParts(key);
  if (parts === null) {
    throw new KernelError(`sysctl ${key}`, Errno.EINVAL, 'key must be net.<a-z0-9_-> segments, or net/<part>/... without "." or ".." parts');
  }
  return `/proc/sys/${parts.join("/")}`;
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
