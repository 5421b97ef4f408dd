/**
 * A throwaway etcd (Debian's etcd-server, /usr/bin/etcd) for a test: one member, a temp data
 * dir, free ports, ready when it says it serves clients; `stop()` kills it and removes its data.
 * With `netns` it runs inside that namespace (`ip netns exec`), listening on `host` there.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ETCD_BINARY = "/usr/bin/etcd";

export interface TestEtcd {
  /** "http://127.0.0.1:40123": what clients use. */
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Why etcd tests cannot run here, or undefined when they can. */
export function etcdMissing(): string | undefined {
  return existsSync(ETCD_BINARY) ? undefined : `${ETCD_BINARY} is not installed (Debian package etcd-server)`;
}

/** A port nobody listens on now in this netns (the kernel picks it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr !== null ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function startEtcd(opts: { host?: string; netns?: string; timeoutMs?: number } = {}): Promise<TestEtcd> {
  const host = opts.host ?? "127.0.0.1";
  // In another netns every port is free; in ours, ask the kernel for two.
  const [clientPort, peerPort] = opts.netns === undefined
    ? [await freePort(host), await freePort(host)]
    : [2379, 2380];
  const dataDir = mkdtempSync(join(tmpdir(), "wasm-cni-etcd-"));
  const bracket = host.includes(":") ? `[${host}]` : host;
  const client = `http://${bracket}:${clientPort}`;
  const peer = `http://${bracket}:${peerPort}`;
  const args = [
    "--name", "test", "--data-dir", dataDir,
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `test=${peer}`,
    // One member: elect itself at once rather than after the default second.
    "--heartbeat-interval", "10", "--election-timeout", "100",
  ];
  const child: ChildProcess = opts.netns === undefined
    ? spawn(ETCD_BINARY, args, { stdio: ["ignore", "ignore", "pipe"] })
    : spawn("ip", ["netns", "exec", opts.netns, ETCD_BINARY, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  const pid = child.pid;
  if (pid === undefined) throw new Error("etcd did not start");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let log = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`etcd not ready within ${opts.timeoutMs ?? 10_000} ms:\n${log}`)), opts.timeoutMs ?? 10_000);
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      if (log.length < 64_000) log += chunk;
      if (/ready to serve client requests/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`etcd exited (${code}) before it was ready:\n${log}`));
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, "SIGKILL");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  child.stderr!.resume();
  return { endpoint: client, pid, stop };
}
