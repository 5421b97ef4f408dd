// Shared by the loopback, bridge and ptp suites: the plugin under test built from source next to
// host-local (its IPAM delegate; test/helpers/plugin-under-test.ts), a plugin binary named after the
// plugin (a symlink to bin/wasm-cni, as in a runtime's CNI_PATH), and calls made inside a
// test-made "host" netns, so that bridges, host veths, routes and sysctls never touch the sandbox.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { cniExec, type CniInvocation, type CniOutcome } from "../../../tools/cni-exec";
import { buildPluginsUnderTest } from "../../helpers/plugin-under-test";
import { HOST_BIN } from "../../helpers/fixtures";
import { ipJson, type TestNetns } from "../../helpers/netns";

/** Builds `plugin` and host-local for the suite (reused while the source is unchanged). */
export function buildSuitePlugins(plugin: string): Promise<string> {
  return buildPluginsUnderTest([plugin, "host-local"]);
}

/** A plugin directory holding `plugin` -> bin/wasm-cni, as a runtime's CNI_PATH would. */
export function pluginBinary(plugin: string): string {
  const bin = join(mkdtempSync(join(tmpdir(), "wasm-cni-bin-")), plugin);
  symlinkSync(HOST_BIN, bin);
  return bin;
}

/** A fresh IPAM network: a unique name and its own dataDir, so reservations are the test's own. */
export function network(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `wasm-cni-${prefix}-`));
  const name = `${prefix}-${Math.random().toString(16).slice(2, 10)}`;
  return { name, dataDir, stateDir: join(dataDir, name) };
}
export type Net = ReturnType<typeof network>;

/** The reservation files of a network: every file but the lock and the round-robin positions. */
export function reservations(net: Net): string[] {
  if (!existsSync(net.stateDir)) return [];
  return readdirSync(net.stateDir).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip.")).sort();
}

export interface Caller {
  binary: string;
  pluginDir: string;
}

/** One CNI call of the plugin for container `c`, exec'd inside the netns `host`. */
export function call(
  p: Caller, command: CniInvocation["command"], config: unknown, c: { path: string } | string,
  host: TestNetns, opts: { containerId?: string; ifname?: string; args?: string } = {},
): CniOutcome {
  return cniExec({
    binary: p.binary, command, config, inNetns: host.name,
    containerId: opts.containerId ?? "ctr1", ifname: opts.ifname ?? "eth0",
    netns: typeof c === "string" ? c : c.path,
    env: { WASM_CNI_PLUGIN_DIR: p.pluginDir },
    ...(opts.args !== undefined && { args: opts.args }),
  });
}

/** The outcome's JSON after asserting success (the message shows stdout and stderr). */
export function ok(r: CniOutcome): Record<string, any> {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return (r.json ?? {}) as Record<string, any>;
}

export interface IpLink { ifname: string; ifindex: number; link_type?: string; master?: string; flags: string[]; address?: string; mtu: number;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: Record<string, unknown> } }
export interface IpAddr { ifname: string; addr_info: { family: string; local: string; prefixlen: number; scope: string; tentative?: boolean; dadfailed?: boolean; nodad?: boolean }[] }
export interface IpRoute { dst: string; gateway?: string; dev?: string; scope?: string; prefsrc?: string; protocol?: string }

export const links = (ns: TestNetns): IpLink[] => ipJson<IpLink[]>(ns, ["-d", "link", "show"]);
export const linkNames = (ns: TestNetns): string[] => links(ns).map((l) => l.ifname).sort();
export const addrs = (ns: TestNetns, dev: string): IpAddr["addr_info"] => ipJson<IpAddr[]>(ns, ["addr", "show", "dev", dev])[0]?.addr_info ?? [];
export const globalAddrs = (ns: TestNetns, dev: string): string[] =>
  addrs(ns, dev).filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`).sort();
export const routes = (ns: TestNetns, family: "-4" | "-6" = "-4"): IpRoute[] => ipJson<IpRoute[]>(ns, [family, "route", "show"]);

/** True when `from` reaches `ip` with one ping. */
export function pings(from: TestNetns, ip: string): boolean {
  try {
    from.exec("ping", ["-c1", "-W2", ip]);
    return true;
  } catch {
    return false;
  }
}

/** The Go reference plugins (Debian's containernetworking-plugins), for parity tests. */
export const GO_PLUGINS = "/usr/lib/cni";

/** One CNI call of the Go reference plugin `plugin`, exec'd inside `host` like ours. */
export function callGo(
  plugin: string, command: CniInvocation["command"], config: unknown, c: { path: string }, host: TestNetns, containerId = "ctr1",
): CniOutcome {
  return cniExec({
    binary: join(GO_PLUGINS, plugin), path: GO_PLUGINS, command, config, inNetns: host.name, containerId, ifname: "eth0", netns: c.path,
  });
}

/** A result with what differs by design blanked: MACs, the host veth's name, the netns path, an empty dns. */
export function normalizeResult(r: Record<string, any>): Record<string, any> {
  const out = structuredClone(r);
  if (out.dns && Object.keys(out.dns).length === 0) delete out.dns; // Go v1.1.1 writes "dns": {}
  for (const it of out.interfaces ?? []) {
    if (it.mac) it.mac = "<mac>";
    if (/^veth[0-9a-f]{8}$/.test(it.name)) it.name = "<veth>";
    if (it.sandbox) it.sandbox = "<netns>";
  }
  return out;
}

/** A netns's routes of both families, reduced to what a plugin chooses (no protocol, no metric, no flags). */
export function routeTable(ns: TestNetns): string[] {
  const fmt = (r: IpRoute) => [r.dst, r.gateway && `via ${r.gateway}`, r.dev && `dev ${r.dev.replace(/^veth[0-9a-f]{8}$/, "<veth>")}`, r.scope && `scope ${r.scope}`, r.prefsrc && `src ${r.prefsrc}`]
    .filter(Boolean).join(" ");
  return [...routes(ns, "-4"), ...routes(ns, "-6")].map(fmt).sort();
}

/** The same call as `call`, without waiting, so that many run at once (as a runtime's do). */
export function callAsync(
  p: Caller, command: CniInvocation["command"], config: unknown, c: { path: string }, host: TestNetns, containerId: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", host.name, p.binary], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin", CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: c.path,
        CNI_IFNAME: "eth0", CNI_PATH: join(p.binary, ".."), WASM_CNI_PLUGIN_DIR: p.pluginDir,
      },
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(JSON.stringify(config));
  });
}
