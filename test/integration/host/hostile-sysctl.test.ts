// sysctl keys a plugin passes, against the `escape` fixture with a grant like tuning's
// (sysctlFromConfig: any net.* key the runtime's config names, in the container's netns). A key
// that walks out of net/ ("..", "/" tricks) is invalid whatever the config says; a key the
// config does not name, or one it names but in the host netns, is denied. Each failed ADD
// leaves both namespaces (links, addresses, routes, the sysctls it reached for) as they were,
// the config-named key it set first included (the journal).
import { beforeAll, describe, expect, it } from "vitest";
import { expectCniError, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ip, ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

const GRANT = {
  interfaces: ["netns", "link", "addr", "route", "sysctl"], hostNetns: true, linkKinds: ["veth"], sysctlKeys: ["net.ipv4.conf.*.forwarding"],
  hostRoutes: ["10.66.1.0/24"], sysctlFromConfig: true,
};

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["escape"]);
  policy = writePolicy({ escape: GRANT });
}, 120_000);

const netns = netnsPerTest({ ipv6: false });

function hostWithVictim(): TestNetns {
  const h = netns("host");
  ip(h, "link", "add", "vic0", "type", "veth", "peer", "name", "vic1");
  ip(h, "link", "set", "vic0", "up");
  return h;
}

/** What a walk out of net/ would reach, and what the config's own keys change. */
const SYSCTLS = ["kernel.hostname", "net.core.somaxconn", "net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.lo.arp_ignore", "net.ipv4.ip_forward"];

function state(ns: TestNetns): unknown {
  return {
    links: ipJson(ns, ["-d", "link", "show"]),
    addrs: ipJson(ns, ["addr", "show"]),
    routes: ipJson(ns, ["route", "show", "table", "all"]),
    sysctls: SYSCTLS.map((k) => `${k}=${ns.exec("sysctl", ["-n", k]).trim()}`),
  };
}

// The config names these keys (as tuning's `sysctl`), IFNAME standing for CNI_IFNAME (eth0).
const NAMED = { "net.core.somaxconn": "500", "net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.IFNAME.arp_filter": "1" };
const INVALID = 'invalid: sysctl key "[^"]*" is not a net\\.\\* key';

// [mode, key, what the error says]
const ESCAPES: [string, string, string][] = [
  ["sysctl", "net/../kernel/hostname", INVALID],
  ["sysctl", "net.ipv4.conf.eth0/../../../kernel.hostname", INVALID],
  ["sysctl", "net.ipv4.conf.eth0/../../..", INVALID],
  ["sysctl", "net/ipv4/conf/../../../kernel/hostname", INVALID],
  ["sysctl", "net/./core/somaxconn", INVALID],
  ["sysctl", "net//core/somaxconn", INVALID],
  ["sysctl", "kernel.hostname", INVALID],
  ["sysctl", "/proc/sys/kernel/hostname", INVALID],
  ["sysctl-get", "net/../kernel/hostname", INVALID],
  ["sysctl", "net.ipv4.ip_forward", 'denied: plugin "escape" may not use sysctl net.ipv4.ip_forward: its config\'s sysctl does not name it'],
  ["sysctl", "net.ipv4.conf.lo.arp_filter", 'denied: plugin "escape" may not use sysctl net.ipv4.conf.lo.arp_filter: its config\'s sysctl does not name it'],
  ["sysctl-in-host", "net.core.somaxconn", 'denied: plugin "escape" may not use sysctl net.core.somaxconn: not on the host\'s allowlist'],
  ["sysctl-in-host", "net/core/somaxconn", 'denied: plugin "escape" may not use sysctl net/core/somaxconn in the host netns'],
];

describe("hostile sysctl keys with sysctlFromConfig", () => {
  it.each(ESCAPES)("%s %s is refused, and both namespaces stay as they were", (mode, key, msg) => {
    const host = hostWithVictim(), c = netns("ctr");
    const before = { host: state(host), c: state(c) };
    const r = runHostile({
      plugin: "escape", pluginDir, policy, host, netns: c,
      config: { name: "sysctl", victim: "vic0", mode, key, good: "net.ipv4.conf.all.arp_ignore", sysctl: NAMED, args: { cni: { sysctl: { "net/../kernel/hostname": "x" } } } },
    });
    expectCniError(r, 999, new RegExp(`^escape ${mode}: ${msg}`));
    expect(r.audit().calls.map((x) => x.fn)).toContain("undo sysctl.set net.ipv4.conf.all.arp_ignore (ns 0)"); // the container's (opened first)
    expect({ host: state(host), c: state(c) }).toEqual(before);
  });

  it("the keys the config names, IFNAME as CNI_IFNAME, are let through in the container's netns (in either spelling)", () => {
    for (const key of ["net.core.somaxconn", "net/core/somaxconn", "net.ipv4.conf.eth0.arp_filter", "net/ipv4/conf/eth0/arp_filter"]) {
      const host = hostWithVictim(), c = netns("ctr");
      const r = runHostile({ plugin: "escape", pluginDir, policy, host, netns: c, config: { name: "sysctl", victim: "vic0", mode: "sysctl", key, sysctl: NAMED } });
      expect(r.json, key).toMatchObject({ code: 999, msg: "escape sysctl: the host let it through" });
    }
  });

  it("without sysctlFromConfig the config's keys are refused as before (host allowlist)", () => {
    const host = hostWithVictim(), c = netns("ctr");
    const r = runHostile({
      plugin: "escape", pluginDir, policy: writePolicy({ escape: { ...GRANT, sysctlFromConfig: false } }), host, netns: c,
      config: { name: "sysctl", victim: "vic0", mode: "sysctl", key: "net.core.somaxconn", sysctl: NAMED },
    });
    expectCniError(r, 999, /^escape sysctl: denied: plugin "escape" may not use sysctl net.core.somaxconn: not on the host's allowlist/);
  });
});
