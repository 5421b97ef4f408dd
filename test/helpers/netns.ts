import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterEach } from "vitest";

/** A named network namespace made by a test (`ip netns add`), inside the run's sandbox. */
export interface TestNetns {
  name: string;
  path: string;
  /** Runs a command inside the namespace and returns its stdout. */
  exec(cmd: string, args: string[]): string;
  remove(): void;
}

/** Creates a fresh netns with lo up. Equivalent to: `ip netns add $name; ip -n $name link set lo up` */
export function createNetns(prefix = "t"): TestNetns {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  execFileSync("ip", ["netns", "add", name]);
  execFileSync("ip", ["-n", name, "link", "set", "lo", "up"]);
  return {
    name,
    path: `/run/netns/${name}`,
    exec: (cmd, args) => execFileSync("ip", ["netns", "exec", name, cmd, ...args], { encoding: "utf8" }),
    remove: () => {
      try {
        execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
      } catch {
        // already gone
      }
    },
  };
}

/**
 * createNetns for a test file: every namespace a test makes is removed after it. With
 * `ipv6: false` IPv6 is off in each, so that no address is tentative for a moment and `ip -j`
 * snapshots compare exactly.
 */
export function netnsPerTest(opts: { ipv6?: boolean } = {}): (prefix: string) => TestNetns {
  const made: TestNetns[] = [];
  afterEach(() => {
    for (const ns of made.splice(0)) ns.remove();
  });
  return (prefix) => {
    const ns = createNetns(prefix);
    made.push(ns);
    if (opts.ipv6 === false) ns.exec("sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    return ns;
  };
}

/** `ip -n <ns> ...`: sets up a namespace's links, addresses and routes. */
export function ip(ns: TestNetns, ...args: string[]): void {
  execFileSync("ip", ["-n", ns.name, ...args]);
}

/** `ip -j ...` inside a namespace, parsed. */
export function ipJson<T = unknown>(ns: TestNetns, args: string[]): T {
  const out = execFileSync("ip", ["-n", ns.name, "-j", ...args], { encoding: "utf8" });
  return JSON.parse(out.trim() || "[]") as T;
}
