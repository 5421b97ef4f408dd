// resolv.conf read on the host for a plugin (host-local's `resolvConf`), parsed as the Go
// plugin's parseResolvConf does. Plugins get only the parsed settings, never the file's bytes.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { Errno, KernelError } from "./errors";

/** The DNS settings of a resolv.conf, as a CNI result's `dns`. */
export interface ResolvConf {
  nameservers: string[];
  domain: string;
  search: string[];
  options: string[];
}

/** The largest file read: a real resolv.conf is a few hundred bytes. */
export const RESOLV_CONF_MAX_BYTES = 64 * 1024;

/**
 * Parses resolv.conf text: `nameserver` (its first word), `domain` (the last wins), `search`
 * and `options` (every word); comments (# or ;) and lines of one word are skipped.
 */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], domain: "", search: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const [key, ...words] = line.split(/\s+/);
    if (words.length === 0) continue;
    if (key === "nameserver") out.nameservers.push(words[0]!);
    else if (key === "domain") out.domain = words[0]!;
    else if (key === "search") out.search.push(...words);
    else if (key === "options") out.options.push(...words);
  }
  return out;
}

/**
 * Reads and parses the resolv.conf at `path`: a regular file (a FIFO or device would block or
 * never end) of at most `maxBytes`. Failures are KernelErrors (ENOENT, EACCES, EINVAL).
 * Equivalent to: `grep -E '^(nameserver|domain|search|options)' $path`
 */
export function readResolvConf(path: string, maxBytes = RESOLV_CONF_MAX_BYTES): ResolvConf {
  const op = `read resolv.conf ${path}`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw KernelError.fromNative(op, err);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new KernelError(op, Errno.EINVAL, "not a regular file");
    // One byte more than allowed tells a file at the cap from a longer (or growing) one.
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) throw new KernelError(op, Errno.EINVAL, `larger than ${maxBytes} bytes`);
    return parseResolvConf(buf.toString("utf8", 0, n));
  } catch (err) {
    throw err instanceof KernelError ? err : KernelError.fromNative(op, err);
  } finally {
    closeSync(fd);
  }
}
