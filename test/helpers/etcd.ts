// etcd for tests (Debian's etcd-server, installed by .ci/run): one member with its data in a temp
// dir, started inside a namespace the test made (or the sandbox's own), stopped by the test.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestNetns } from "./netns";

export interface Etcd {
  /** The client URL, e.g. http://10.0.0.254:2379. */
  endpoint: string;
  /** Everything etcd wrote on stderr so far (its log). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Fails loudly when etcd is not installed: the cluster tests need it, and .ci/run installs it
 * (a skip would hide a broken CI image).
 */
export function requireEtcd(): string {
  try {
    return execFileSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("etcd is not installed: `apt-get install etcd-server` (.ci/run installs it); the cluster tests need it");
  }
}

/** A free TCP port in the current namespace (only needed outside a namespace of the test's own). */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Starts etcd listening on `host` (default 127.0.0.1) inside `netns` (a name or a TestNetns;
 * default the caller's namespace) and resolves once it serves clients. In a namespace of its own
 * it takes the standard ports 2379/2380; elsewhere free ones, as test files run side by side.
 */
export async function startEtcd(opts: { host?: string; netns?: string | TestNetns; port?: number; timeoutMs?: number } = {}): Promise<Etcd> {
  const bin = requireEtcd();
  const host = opts.host ?? "127.0.0.1";
  const netns = typeof opts.netns === "object" ? opts.netns.name : opts.netns;
  const port = opts.port ?? (netns ? 2379 : await freePort(host));
  const peerPort = netns ? 2380 : await freePort("127.0.0.1");
  const dataDir = mkdtempSync(join(tmpdir(), "wasm-cni-etcd-"));
  const endpoint = `http://${host}:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    "--name", "test", "--data-dir", dataDir,
    "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `test=${peer}`,
    "--snapshot-count", "10000",
  ];
  const [file, argv] = netns ? ["ip", ["netns", "exec", netns, bin, ...args]] : [bin, args];
  const child = spawn(file, argv, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  let exited = false;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`etcd did not become ready in ${opts.timeoutMs ?? 15_000} ms:\n${log}`)), opts.timeoutMs ?? 15_000);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      log += d;
      if (/ready to serve client requests/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code, signal) => {
      exited = true;
      clearTimeout(timer);
      reject(new Error(`etcd exited (${code ?? signal}) before it was ready:\n${log}`));
    });
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (!exited) child.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, log: () => log, stop };
}
