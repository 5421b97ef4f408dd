// Scoped link ownership and per-plugin grants, against the `escape` fixture (granted the host
// netns, linkKinds veth, sysctlKeys net.ipv4.conf.*.forwarding). Each escape is refused with
// `denied` naming the rule, audited as a denial, and the failed ADD leaves the test's host
// netns (with its victim veth) and the container's netns exactly as they were.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cniExec, type CniOutcome } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { createNetns, ipJson, type TestNetns } from "../../helpers/netns";

// hostRoutes: the route its allowed steps add in the host netns (10.66.1.0/24 via esc0).
const GRANT = {
  interfaces: ["netns", "link", "addr", "route", "sysctl"], hostNetns: true, linkKinds: ["veth"], sysctlKeys: ["net.ipv4.conf.*.forwarding"],
  hostRoutes: ["10.66.1.0/24"],
};

let pluginDir: string;
let policy: string;
const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-scope-"));

function writePolicy(grant: Record<string, unknown>): string {
  const path = join(tmp(), "policy.json");
  writeFileSync(path, JSON.stringify({ plugins: { escape: grant } }));
  return path;
}

beforeAll(async () => {
  pluginDir = await buildFixtures(["escape"]);
  policy = writePolicy(GRANT);
}, 120_000);

const namespaces: TestNetns[] = [];
afterEach(() => namespaces.splice(0).forEach((ns) => ns.remove()));

/**
 * A test "host" netns holding the victim: a veth pair vic0/vic1, up, 10.70.0.1/24 on vic0 and a
 * route via it. IPv6 is off, so that no address is tentative for a moment (state compares exactly).
 */
function hostWithVictim(): TestNetns {
  const h = createNetns("host");
  namespaces.push(h);
  const ip = (...args: string[]) => execFileSync("ip", ["-n", h.name, ...args]);
  h.exec("sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
  ip("link", "add", "vic0", "type", "veth", "peer", "name", "vic1");
  ip("link", "set", "vic0", "up");
  ip("link", "set", "vic1", "up");
  ip("addr", "add", "10.70.0.1/24", "dev", "vic0");
  ip("route", "add", "10.71.0.0/24", "via", "10.70.0.2", "dev", "vic0");
  return h;
}

function container(): TestNetns {
  const c = createNetns("ctr");
  namespaces.push(c);
  c.exec("sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
  return c;
}

const SYSCTLS = ["net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.forwarding"];

/** Links, addresses, routes of every table and the sysctls an escape could reach, as ip -j shows them. */
function state(ns: TestNetns, extraSysctls: string[] = []): unknown {
  return {
    links: ipJson(ns, ["-d", "link", "show"]),
    addrs: ipJson(ns, ["addr", "show"]),
    routes: ipJson(ns, ["route", "show", "table", "all"]),
    sysctls: [...SYSCTLS, ...extraSysctls].map((k) => `${k}=${ns.exec("sysctl", ["-n", k]).trim()}`),
  };
}

function call(command: "ADD" | "DEL", host: TestNetns, c: TestNetns, config: Record<string, unknown>, env: Record<string, string> = {}): CniOutcome {
  return cniExec({
    binary: HOST_BIN, command, inNetns: host.name, containerId: "ctr1", ifname: "eth0", netns: c.path,
    config: { cniVersion: "1.1.0", name: "scope", type: "wasm-cni", plugin: "escape", victim: "vic0", ...config },
    env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: policy, ...env },
  });
}

interface AuditLine {
  denials: { plugin: string; fn: string; reason: string }[];
  calls: { fn: string; outcome: string }[];
  code: number;
}

function lastAudit(path: string): AuditLine {
  const lines = readFileSync(path, "utf8").trim().split("\n");
  return JSON.parse(lines.at(-1)!) as AuditLine;
}

function expectDenied(r: CniOutcome, msg: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.json).toMatchObject({ cniVersion: "1.1.0", code: 999, msg: expect.stringMatching(msg) });
  expect(r.stdout).not.toMatch(/\n\s+at /);
}

const OWNERSHIP = "it did not create it and its config does not name it \\(scoped link ownership\\)";

// [mode, extra config, the host function refused, what the message says]
const ESCAPES: [string, Record<string, unknown>, string, string][] = [
  ["delete", {}, "link.delete", `may not delete host link vic0: ${OWNERSHIP}`],
  ["rename", {}, "link.set", `may not change host link vic0: ${OWNERSHIP}`],
  ["mtu", {}, "link.set", `may not change host link vic0: ${OWNERSHIP}`],
  ["move", {}, "link.set", `may not move host link vic0: ${OWNERSHIP}`],
  ["enslave", {}, "link.set", `may not enslave a link to host link vic0: ${OWNERSHIP}`],
  ["alias", {}, "link.set", 'may not set alias "wasm-cni:bridge" in the host netns: the prefix wasm-cni: is the host\'s owner mark'],
  ["addr", {}, "addr.add", `may not add an address to host link vic0: ${OWNERSHIP}`],
  ["addr-del", {}, "addr.delete", `may not remove an address from host link vic0: ${OWNERSHIP}`],
  ["route", {}, "route.add", `may not add route 10.68.0.0/24 via host link vic0: ${OWNERSHIP}`],
  ["route-nodev", {}, "route.add", "may not add route 10.69.0.0/24 in the host netns without naming its link \\(dev\\)"],
  ["replace", {}, "route.replace", `may not replace route 10.70.0.0/24 on host link vic0: ${OWNERSHIP}`],
  ["sysctl-host", {}, "sysctl.set", `may not set sysctl net.ipv4.conf.vic0.forwarding of host link vic0: ${OWNERSHIP}`],
  ["sysctl", { key: "net.ipv4.conf.all.rp_filter" }, "sysctl.set",
    "may not use sysctl net.ipv4.conf.all.rp_filter: not in its grant's sysctlKeys \\(net.ipv4.conf.\\*.forwarding\\)"],
  ["sysctl", { key: "net.core.somaxconn" }, "sysctl.set", "may not use sysctl net.core.somaxconn: not on the host's allowlist"],
  ["kind", {}, "link.create", "may not create a dummy link \\(its grant's linkKinds: veth\\)"],
  ["forged", { forged: 2 }, "link.delete", "used netns id 2, which is not a handle it got from netns.container or netns.host in this call"],
  ["forged", { forged: 4_000_000_000 }, "link.delete", "used netns id 4000000000, which is not a handle"],
];

describe("hostile plugins outside their scope", () => {
  it.each(ESCAPES)("%s %j is refused (%s denied), audited, and both namespaces stay as they were", (mode, extra, fn, msg) => {
    const host = hostWithVictim();
    const c = container();
    const before = { host: state(host, ["net.ipv4.conf.vic0.forwarding"]), c: state(c) };
    const log = join(tmp(), "audit.jsonl");
    const r = call("ADD", host, c, { mode, ...extra }, { WASM_CNI_AUDIT_LOG: log });
    expectDenied(r, new RegExp(`^escape ${mode}: denied: plugin "escape" ${msg}`));
    const audit = lastAudit(log);
    expect(audit.code).toBe(999);
    expect(audit.denials).toEqual([{ plugin: "escape", fn, reason: expect.stringMatching(new RegExp(`^plugin "escape" ${msg}`)) }]);
    expect(audit.calls.some((x) => x.fn.startsWith("undo link.create eth0"))).toBe(true); // what it was allowed to make went again
    expect({ host: state(host, ["net.ipv4.conf.vic0.forwarding"]), c: state(c) }).toEqual(before);
  });

  it("what it creates in the host netns stays its own across calls: a later DEL may delete esc0, never the victim", () => {
    const host = hostWithVictim();
    const c = container();
    const r = call("ADD", host, c, { mode: "own" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The veth's peer landed in the host netns: the host marked it as the plugin's.
    const [esc0] = ipJson<{ ifalias?: string; flags: string[] }[]>(host, ["-d", "link", "show", "esc0"]);
    expect(esc0).toMatchObject({ ifalias: "wasm-cni:escape", flags: expect.arrayContaining(["UP"]) });
    const beforeDel = state(host);
    expectDenied(call("DEL", host, c, { target: "vic0" }), new RegExp(`^escape delete vic0: denied: plugin "escape" may not delete host link vic0: ${OWNERSHIP}`));
    expect(state(host)).toEqual(beforeDel);
    // Another process, same plugin: ownership came from the link's alias, not from memory.
    const d = call("DEL", host, c, { target: "esc0" });
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(ipJson<{ ifname: string }[]>(host, ["link", "show"]).map((l) => l.ifname).sort()).toEqual(["lo", "vic0", "vic1"]);
  });

  it("a link the config names (bridge, master, device) is in scope", () => {
    const host = hostWithVictim();
    const c = container();
    // `mtu` on vic0 is refused above; with "device": "vic0" the config names it.
    const r = call("ADD", host, c, { mode: "mtu", device: "vic0" });
    expect(r.json).toMatchObject({ code: 999, msg: "escape mtu: the host let it through" });
    expect(existsSync(`/run/netns/${host.name}`)).toBe(true);
    // The failed ADD put the MTU back.
    expect(ipJson<{ mtu: number }[]>(host, ["link", "show", "vic0"])[0]?.mtu).toBe(1500);
  });

  it("a CNI_NETNS that is the host's own netns counts as the host's: denied without hostNetns", () => {
    const host = hostWithVictim();
    const before = state(host);
    const r = cniExec({
      binary: HOST_BIN, command: "ADD", inNetns: host.name, containerId: "ctr1", ifname: "eth0", netns: `/run/netns/${host.name}`,
      config: { cniVersion: "1.1.0", name: "scope", type: "wasm-cni", plugin: "escape", mode: "delete", victim: "vic0" },
      env: { WASM_CNI_PLUGIN_DIR: pluginDir, WASM_CNI_POLICY: writePolicy({ ...GRANT, hostNetns: false }) },
    });
    expectDenied(r, /^escape container netns: denied: CNI_NETNS \/run\/netns\/\S+ is the host's network namespace, which plugin "escape" is not granted/);
    expect(state(host)).toEqual(before);
  });
});
