// host-local through the host binary, exec'd as a runtime execs it: a symlink named after the
// plugin, the CNI environment, the config on stdin. Each test has its own network name and
// dataDir, so the files it checks are its own. The plugin is built from source first.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cniExec, type CniInvocation, type CniOutcome } from "../../../tools/cni-exec";
import { CNI_BIN, HOST_BIN, ROOT } from "../../helpers/fixtures";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

const GO_HOST_LOCAL = "/usr/lib/cni/host-local";
const VERSIONS = ["1.0.0", "1.1.0"] as const;

let binary: string;
let pluginDir: string;

beforeAll(async () => {
  pluginDir = await buildPluginUnderTest("host-local");
  binary = join(CNI_BIN, "host-local");
  if (!existsSync(binary)) {
    // No `npm run build` yet: a plugin directory of our own, as a runtime's CNI_PATH would be.
    binary = join(mkdtempSync(join(tmpdir(), "wasm-cni-bin-")), "host-local");
    symlinkSync(HOST_BIN, binary);
  }
}, 120_000);

/** A fresh network: its name, dataDir and the directory holding its state. */
function network(prefix = "hl") {
  const dataDir = mkdtempSync(join(tmpdir(), `wasm-cni-${prefix}-`));
  const name = `${prefix}-${Math.random().toString(16).slice(2, 10)}`;
  return { name, dataDir, stateDir: join(dataDir, name) };
}

type Net = ReturnType<typeof network>;

function conf(net: Net, ipam: Record<string, unknown>, cniVersion = "1.0.0", extra: Record<string, unknown> = {}) {
  return { cniVersion, name: net.name, type: "host-local", ...extra, ipam: { type: "host-local", dataDir: net.dataDir, ...ipam } };
}

/** A resolv.conf with every kind of line parseResolvConf reads or skips. */
const RESOLV_CONF = join(ROOT, "test/fixtures/dns/resolv.conf");
const RESOLV_DNS = {
  nameservers: ["10.0.0.53", "fd00::53"], domain: "example.com",
  search: ["a.example", "b.example", "c.example"], options: ["ndots:2", "timeout:1", "rotate"],
};

const V4_V6 = {
  ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00:10::/64" }]],
  routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0", gw: "fd00:10::1" }],
};

function call(command: CniInvocation["command"], config: unknown, containerId = "ctr1", args?: string): CniOutcome {
  return cniExec({
    binary, command, containerId, netns: "/run/netns/none", ifname: "eth0", config,
    env: { WASM_CNI_PLUGIN_DIR: pluginDir }, ...(args !== undefined && { args }),
  });
}

/** The same call without waiting, so that many run at once. */
function callAsync(command: string, config: unknown, containerId: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin", CNI_COMMAND: command, CNI_CONTAINERID: containerId,
        CNI_NETNS: "/run/netns/none", CNI_IFNAME: "eth0", CNI_PATH: join(binary, ".."), WASM_CNI_PLUGIN_DIR: pluginDir,
      },
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout }));
    child.stdin.end(JSON.stringify(config));
  });
}

function ok(r: CniOutcome): Record<string, unknown> {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return (r.json ?? {}) as Record<string, unknown>;
}

function addresses(r: CniOutcome): string[] {
  return ((ok(r).ips ?? []) as { address: string }[]).map((ip) => ip.address);
}

/** The reservation files of a network: every file but the lock and the round-robin positions. */
function reservations(net: Net): string[] {
  return readdirSync(net.stateDir).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip.")).sort();
}

describe("host-local ADD", () => {
  for (const version of VERSIONS) {
    it(`ADD returns one IPv4 and one IPv6 address with gateways and routes (cniVersion ${version})`, () => {
      const net = network();
      expect(ok(call("ADD", conf(net, V4_V6, version)))).toEqual({
        cniVersion: version,
        ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1" }, { address: "fd00:10::2/64", gateway: "fd00:10::1" }],
        routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0", gw: "fd00:10::1" }],
      });
      expect(readFileSync(join(net.stateDir, "10.1.0.2"), "utf8")).toBe("ctr1\r\neth0");
      expect(readFileSync(join(net.stateDir, "fd00:10::2"), "utf8")).toBe("ctr1\r\neth0");
      expect(readFileSync(join(net.stateDir, "last_reserved_ip.1"), "utf8")).toBe("fd00:10::2");
    });
  }

  it("two containers get distinct addresses, round robin after the last reserved", () => {
    const net = network();
    const c = conf(net, V4_V6);
    expect(addresses(call("ADD", c, "ctr1"))).toEqual(["10.1.0.2/24", "fd00:10::2/64"]);
    expect(addresses(call("ADD", c, "ctr2"))).toEqual(["10.1.0.3/24", "fd00:10::3/64"]);
    ok(call("DEL", c, "ctr1"));
    expect(addresses(call("ADD", c, "ctr3"))).toEqual(["10.1.0.4/24", "fd00:10::4/64"]);
  });

  it("the legacy subnet keys, rangeStart and a gateway inside the range work as in Go", () => {
    const net = network();
    const c = conf(net, { subnet: "10.2.0.0/24", rangeStart: "10.2.0.10", rangeEnd: "10.2.0.12", gateway: "10.2.0.11" });
    expect(ok(call("ADD", c, "a")).ips).toEqual([{ address: "10.2.0.10/24", gateway: "10.2.0.11" }]);
    expect(addresses(call("ADD", c, "b"))).toEqual(["10.2.0.12/24"]);
  });

  it("a requested address from CNI_ARGS IP= or runtimeConfig.ips is given; a taken one is refused", () => {
    const net = network();
    const c = conf(net, V4_V6);
    expect(addresses(call("ADD", c, "a", "IgnoreUnknown=1;IP=10.1.0.77"))).toEqual(["10.1.0.77/24", "fd00:10::2/64"]);
    const rc = conf(net, V4_V6, "1.0.0", { runtimeConfig: { ips: ["10.1.0.88/24", "fd00:10::88"] } });
    expect(addresses(call("ADD", rc, "b"))).toEqual(["10.1.0.88/24", "fd00:10::88/64"]);
    const taken = call("ADD", c, "c", "IP=10.1.0.77");
    expect(taken.code).toBe(1);
    expect(taken.json).toMatchObject({
      code: 999,
      msg: "failed to allocate for range 0: requested IP address 10.1.0.77 is not available in range set 10.1.0.1-10.1.0.254",
    });
    expect(reservations(net)).toHaveLength(4);
  });

  it("50 concurrent ADDs on one network get 50 distinct addresses and 50 reservations", async () => {
    const net = network("conc");
    const c = conf(net, { ranges: [[{ subnet: "10.3.0.0/24" }]] });
    const ids = Array.from({ length: 50 }, (_, i) => `ctr${i}`);
    const results = await Promise.all(ids.map((id) => callAsync("ADD", c, id)));
    const got = results.map((r) => {
      expect(r.code, r.stdout).toBe(0);
      return (JSON.parse(r.stdout) as { ips: { address: string }[] }).ips[0]!.address;
    });
    expect(new Set(got).size).toBe(50);
    expect(reservations(net)).toHaveLength(50);
    const owners = reservations(net).map((f) => readFileSync(join(net.stateDir, f), "utf8"));
    expect(new Set(owners)).toEqual(new Set(ids.map((id) => `${id}\r\neth0`)));
  }, 180_000);

  it("an exhausted range set fails with host-local's message and holds nothing more", () => {
    const net = network();
    const c = conf(net, {
      ranges: [[{ subnet: "10.4.0.0/24" }], [{ subnet: "10.1.0.0/24", rangeStart: "10.1.0.2", rangeEnd: "10.1.0.3" }]],
    });
    ok(call("ADD", c, "a"));
    ok(call("ADD", c, "b"));
    const r = call("ADD", c, "c");
    expect(r.code).toBe(1);
    expect(r.json).toEqual({
      cniVersion: "1.0.0",
      code: 999,
      msg: "failed to allocate for range 1: no IP addresses available in range set: 10.1.0.2-10.1.0.3",
    });
    // The address c got from the first set was released again.
    expect(reservations(net)).toEqual(["10.1.0.2", "10.1.0.3", "10.4.0.2", "10.4.0.3"]);
  });
});

describe("host-local DEL, CHECK, STATUS, GC", () => {
  it("DEL releases the addresses (their files are gone); DEL again and DEL of an unknown container succeed", () => {
    const net = network();
    const c = conf(net, V4_V6);
    ok(call("ADD", c, "ctr1"));
    ok(call("ADD", c, "ctr2"));
    ok(call("DEL", c, "ctr1"));
    expect(reservations(net)).toEqual(["10.1.0.3", "fd00:10::3"]);
    ok(call("DEL", c, "ctr1"));
    ok(call("DEL", c, "never-added"));
    expect(reservations(net)).toEqual(["10.1.0.3", "fd00:10::3"]);
  });

  it("CHECK succeeds while the container holds its addresses and fails with 999 after DEL", () => {
    const net = network();
    const c = conf(net, V4_V6);
    ok(call("ADD", c));
    ok(call("CHECK", c));
    ok(call("DEL", c));
    const r = call("CHECK", c);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({
      code: 999,
      msg: "host-local: Failed to find address added by container ctr1 in range set 10.1.0.1-10.1.0.254",
    });
  });

  it("STATUS succeeds while addresses are free and fails with 50 once a range set is exhausted", () => {
    const net = network();
    const c = conf(net, { ranges: [[{ subnet: "10.5.0.0/24", rangeStart: "10.5.0.2", rangeEnd: "10.5.0.2" }]] }, "1.1.0");
    ok(call("STATUS", c));
    ok(call("ADD", c));
    const r = call("STATUS", c);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 50, msg: "no IP addresses available in range set: 10.5.0.2-10.5.0.2" });
    expect(reservations(net)).toEqual(["10.5.0.2"]); // the write probe left nothing behind
  });

  it("GC releases every reservation whose attachment is not valid and keeps the rest", () => {
    const net = network();
    const c = conf(net, V4_V6, "1.1.0");
    for (const id of ["a", "b", "c"]) ok(call("ADD", c, id));
    const gc = { ...c, "cni.dev/valid-attachments": [{ containerID: "b", ifname: "eth0" }] };
    ok(call("GC", gc, ""));
    expect(reservations(net)).toEqual(["10.1.0.3", "fd00:10::3"]);
    const noList = call("GC", c, "");
    expect(noList.json).toMatchObject({ code: 7, details: 'field "cni.dev/valid-attachments" is required' });
    expect(reservations(net)).toHaveLength(2);
  });
});

describe("host-local resolvConf", () => {
  it("ADD puts the nameservers, domain, search and options of the resolvConf file in the result's dns", () => {
    const net = network();
    expect(ok(call("ADD", conf(net, { ...V4_V6, resolvConf: RESOLV_CONF })))).toMatchObject({
      ips: [{ address: "10.1.0.2/24" }, { address: "fd00:10::2/64" }],
      dns: RESOLV_DNS,
    });
  });

  it("a missing resolvConf file fails ADD with 999 naming it, before any address is reserved", () => {
    const net = network();
    const r = call("ADD", conf(net, { ...V4_V6, resolvConf: join(net.dataDir, "nope.conf") }));
    expect(r.code).toBe(1);
    expect(r.json).toEqual({
      cniVersion: "1.0.0", code: 999,
      msg: `failed to read resolvConf: not found: read resolv.conf ${join(net.dataDir, "nope.conf")}: ENOENT (No such file or directory)`,
    });
    expect(existsSync(net.stateDir)).toBe(false);
  });

  it("a resolvConf that is not a regular file fails ADD with 999 (invalid) and reserves nothing", () => {
    const net = network();
    const r = call("ADD", conf(net, { ...V4_V6, resolvConf: "/dev/zero" }));
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringContaining("failed to read resolvConf: invalid: read resolv.conf /dev/zero: EINVAL") });
    expect(existsSync(net.stateDir)).toBe(false);
  });

  it("a relative resolvConf is CNI error 7 naming the field", () => {
    const net = network();
    const r = call("ADD", conf(net, { ...V4_V6, resolvConf: "resolv.conf" }));
    expect(r.json).toMatchObject({ code: 7, details: 'field "ipam.resolvConf" must be an absolute path' });
    expect(existsSync(net.stateDir)).toBe(false);
  });
});

describe("host-local config errors", () => {
  const cases: { title: string; ipam: Record<string, unknown>; details: string }[] = [
    {
      title: "a missing subnet",
      ipam: { ranges: [[{ rangeStart: "10.1.0.5" }]] },
      details: 'field "ipam.ranges[0][0].subnet" is required',
    },
    {
      title: "a bad CIDR",
      ipam: { subnet: "10.1.0.0/40" },
      details: 'field "ipam.subnet" must be a CIDR such as "10.1.0.0/16"',
    },
    {
      title: "a rangeStart outside the subnet",
      ipam: { ranges: [[{ subnet: "10.1.0.0/24", rangeStart: "10.2.0.5" }]] },
      details: 'field "ipam.ranges[0][0]" is invalid: RangeStart 10.2.0.5 not in network 10.1.0.0/24',
    },
    {
      title: "overlapping range sets",
      ipam: { ranges: [[{ subnet: "10.1.0.0/16" }], [{ subnet: "10.1.7.0/24" }]] },
      details: 'field "ipam.ranges[1]" overlaps range set "ipam.ranges[0]" (10.1.0.1-10.1.255.254)',
    },
    {
      title: "no ranges at all",
      ipam: { routes: [] },
      details: 'field "ipam.ranges" is required: no IP ranges specified (give "ranges" or "subnet")',
    },
  ];
  for (const { title, ipam, details } of cases) {
    it(`${title} is CNI error 7 naming the field, and no state is created`, () => {
      const net = network("bad");
      for (const command of ["ADD", "DEL"] as const) {
        const r = call(command, conf(net, ipam));
        expect(r.code).toBe(1);
        expect(r.json).toEqual({ cniVersion: "1.0.0", code: 7, msg: "invalid network configuration", details });
      }
      expect(existsSync(net.stateDir)).toBe(false);
    });
  }

  it("a dataDir that is not a clean absolute path is CNI error 7", () => {
    const net = network("bad");
    const r = call("ADD", conf(net, { ...V4_V6, dataDir: `${net.dataDir}/../${net.name}` }));
    expect(r.json).toMatchObject({ code: 7, details: 'field "ipam.dataDir" must be an absolute path without "." or ".." parts' });
    expect(readdirSync(join(net.dataDir, ".."))).not.toContain(net.name);
  });
});

/** Go prints `"dns":{}` for an empty DNS (a struct is never omitempty); we leave it out. */
function withoutEmptyDns(json: unknown): unknown {
  if (typeof json !== "object" || json === null || !("dns" in json)) return json;
  const { dns, ...rest } = json as Record<string, unknown>;
  return typeof dns === "object" && dns !== null && Object.keys(dns).length === 0 ? rest : json;
}

describe.skipIf(!existsSync(GO_HOST_LOCAL))("host-local parity with the Go reference plugin", () => {
  function goCall(command: CniInvocation["command"], config: unknown, containerId: string): CniOutcome {
    return cniExec({ binary: GO_HOST_LOCAL, command, containerId, netns: "/run/netns/none", ifname: "eth0", config });
  }

  it("the same calls give the same results and the same files", () => {
    const ours = network("ours");
    const go = network("go");
    go.name = ours.name; // same network name, different dataDir
    // .2-.6 are free: the walk goes round, wraps to the released .2, then the set is full.
    const steps: [CniInvocation["command"], string][] = [
      ["ADD", "a"], ["ADD", "b"], ["DEL", "a"], ["ADD", "c"], ["ADD", "d"], ["ADD", "e"], ["ADD", "f"], ["ADD", "g"],
      ["DEL", "g"], ["CHECK", "b"], ["CHECK", "a"],
    ];
    const ipam = { ranges: [[{ subnet: "10.6.0.0/29" }], [{ subnet: "fd00:6::/125" }]], routes: [{ dst: "0.0.0.0/0" }] };
    for (const [command, id] of steps) {
      const a = call(command, conf(ours, ipam), id);
      const b = goCall(command, conf({ ...go, stateDir: "" }, ipam), id);
      expect(a.code, `${command} ${id}: ${a.stdout}`).toBe(b.code);
      if (b.code === 0) expect(a.json, `${command} ${id}`).toEqual(withoutEmptyDns(b.json));
      // Go 1.1.1 leaves cniVersion out of errors, and its CHECK message names no range set.
      else if (command === "ADD") expect(a.json).toMatchObject(b.json as object);
      else expect(a.json).toMatchObject({ code: (b.json as { code: number }).code });
    }
    const files = (n: Net) => readdirSync(join(n.dataDir, ours.name)).filter((f) => f !== "lock").sort()
      .map((f) => [f, readFileSync(join(n.dataDir, ours.name, f), "utf8")]);
    expect(files(ours)).toEqual(files(go));
  });

  it("resolvConf gives Go's dns; a missing file fails both with 999 and neither reserves anything", () => {
    const ours = network("ours"), go = network("go");
    const ipam = { ...V4_V6, resolvConf: RESOLV_CONF };
    const a = ok(call("ADD", conf(ours, ipam), "a"));
    const b = ok(goCall("ADD", conf(go, ipam), "a"));
    expect(a.dns).toEqual(RESOLV_DNS);
    expect(a).toEqual(b);
    const missing = { ...V4_V6, resolvConf: "/nonexistent/resolv.conf" };
    const ra = call("ADD", conf(ours, missing), "b"), rb = goCall("ADD", conf(go, missing), "b");
    expect([ra.code, (ra.json as { code: number }).code]).toEqual([rb.code, (rb.json as { code: number }).code]);
    expect((rb.json as { msg: string }).msg).toBe("open /nonexistent/resolv.conf: no such file or directory");
    expect(reservations(ours)).toEqual(["10.1.0.2", "fd00:10::2"]);
    expect(reservations(go)).toEqual(["10.1.0.2", "fd00:10::2"]);
  });

  it("addresses reserved by the Go plugin are seen and released by ours", () => {
    const net = network("mixed");
    const c = conf(net, V4_V6);
    expect(goCall("ADD", c, "go1").code).toBe(0);
    expect(addresses(call("ADD", c, "ours1"))).toEqual(["10.1.0.3/24", "fd00:10::3/64"]);
    ok(call("CHECK", c, "go1"));
    ok(call("DEL", c, "go1"));
    expect(reservations(net)).toEqual(["10.1.0.3", "fd00:10::3"]);
  });

  it("our index follows the Go plugin's changes to a shared network: an address released and taken again by another container", () => {
    const net = network("mixed");
    const c = conf(net, { ranges: [[{ subnet: "10.8.0.0/24", rangeStart: "10.8.0.2", rangeEnd: "10.8.0.2" }]] });
    expect(addresses(call("ADD", c, "a"))).toEqual(["10.8.0.2/24"]); // ours: indexed and sealed
    expect(goCall("DEL", c, "a").code).toBe(0);
    expect(addresses(goCall("ADD", c, "b"))).toEqual(["10.8.0.2/24"]); // the same file, another owner
    ok(call("CHECK", c, "b"));
    expect(call("CHECK", c, "a").json).toMatchObject({ code: 999 });
    expect(call("ADD", c, "a").json).toMatchObject({ code: 999, msg: expect.stringContaining("no IP addresses available") });
    ok(call("DEL", c, "b"));
    expect(reservations(net)).toEqual([]);
    expect(addresses(goCall("ADD", c, "c"))).toEqual(["10.8.0.2/24"]);
    ok(call("DEL", c, "c"));
    expect(reservations(net)).toEqual([]);
  });
});
