// Shared by the compliance suites: our plugin directory (dist/cni-bin) and the Go reference
// plugins (/usr/lib/cni) run through tools/conflist-runner.ts as a runtime runs them, inside a
// test-made "host" netns, each test with its own network name, bridge, subnet, IPAM dataDir
// and result cache.
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { cniExec, type CniInvocation, type CniOutcome } from "../../tools/cni-exec";
import { createConflistRunner, parseConflist, type Attachment, type Conflist, type ConflistRunner, type JsonObject } from "../../tools/conflist-runner";
import { CNI_BIN } from "../helpers/fixtures";
import { netnsPerTest, ipJson, type TestNetns } from "../helpers/netns";

export const GO_BIN = "/usr/lib/cni";
export const OURS = CNI_BIN;
export const SPEC_VERSIONS = ["0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

/** A fresh netns removed after the test. */
export const netns = netnsPerTest();

let serial = 0;
/** One test's network: unique name, bridge, /24 subnet, IPAM dataDir and libcni cache dir. */
export function network(prefix: string) {
  const base = `10.${100 + (process.pid % 100)}.${serial++ % 250}.`;
  const tag = Math.random().toString(16).slice(2, 8);
  const dir = mkdtempSync(join(tmpdir(), `cni-compliance-${prefix}-`));
  return { name: `${prefix}-${tag}`, bridge: `cb${tag}`, subnet: `${base}0/24`, prefix: base, dataDir: dir, cacheDir: join(dir, "cache") };
}
export type Net = ReturnType<typeof network>;

/** A bridge + host-local plugin config for `net` (IPv4 only, a default route). */
export function bridgePlugin(net: Net, extra: JsonObject = {}): JsonObject {
  return { type: "bridge", bridge: net.bridge, isGateway: true, ...extra, ipam: { type: "host-local", subnet: net.subnet, routes: [{ dst: "0.0.0.0/0" }], dataDir: net.dataDir } };
}

/** A conflist of `plugins` for `net`. */
export function conflist(net: Net, cniVersion: string, plugins: JsonObject[], extra: JsonObject = {}): Conflist {
  return parseConflist({ cniVersion, name: net.name, ...extra, plugins });
}

export interface Recorded {
  runner: ConflistRunner;
  /** Every exec the runner made: the plugin, the verb and the config it got. */
  calls: { plugin: string; command: string; conf: JsonObject; out: CniOutcome }[];
}

/** A runner over `bin` (ours or Go's) exec'ing inside `host`, recording each call. */
export function runnerFor(bin: string, host: TestNetns, net: Net): Recorded {
  const calls: Recorded["calls"] = [];
  const exec = (inv: CniInvocation): CniOutcome => {
    const out = cniExec(inv);
    calls.push({ plugin: inv.binary.slice(bin.length + 1), command: inv.command, conf: JSON.parse(String(inv.config)) as JsonObject, out });
    return out;
  };
  return { runner: createConflistRunner({ path: [bin], cacheDir: net.cacheDir, inNetns: host.name, exec }), calls };
}

/** An attachment of container netns `c` as eth0. */
export function attachment(c: TestNetns, extra: Partial<Attachment> = {}): Attachment {
  return { containerId: `ctr-${c.name}`, ifname: "eth0", netns: c.path, ...extra };
}

/** One direct plugin exec (no runner), as tools/cni-exec does, in `host`. */
export function execPlugin(bin: string, plugin: string, command: CniInvocation["command"], config: unknown, host: TestNetns | undefined, att?: Attachment): CniOutcome {
  return cniExec({
    binary: join(bin, plugin), command, config, path: bin,
    ...(host && { inNetns: host.name }),
    ...(att && { containerId: att.containerId, ifname: att.ifname, ...(att.netns !== undefined && { netns: att.netns }), ...(att.args && { args: att.args.map((kv) => kv.join("=")).join(";") }) }),
  });
}

/** The addresses host-local holds for `net` (its reservation files). */
export function reservations(net: Net): string[] {
  const dir = join(net.dataDir, net.name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip.")).sort();
}

/** The global IPv4/IPv6 addresses on `dev` inside `ns`. */
export function globalAddrs(ns: TestNetns, dev: string): string[] {
  type A = { addr_info: { local: string; prefixlen: number; scope: string }[] };
  return (ipJson<A[]>(ns, ["addr", "show", "dev", dev])[0]?.addr_info ?? []).filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`);
}

/** Asserts `out` is a CNI error: exit code non-zero, stdout one JSON object with a numeric code and a msg. */
export function expectCniError(out: CniOutcome, code?: number): { code: number; msg: string; details?: string } {
  expect(out.code, out.stdout + out.stderr).not.toBe(0);
  const e = out.json as { code: number; msg: string; details?: string };
  expect(typeof e?.code, out.stdout).toBe("number");
  expect(typeof e.msg).toBe("string");
  if (code !== undefined) expect(e.code, out.stdout).toBe(code);
  return e;
}
