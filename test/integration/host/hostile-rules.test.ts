// Policy routing rules are safe from a plugin's own grants, against the `steerer` fixture
// (granted the host netns, route and rule, and table 100 in the host netns): a host rule that
// steers every packet of the node into its table, a rule into a table its grant does not list, a
// `not` rule, deleting the node's own `from all lookup main`, a flood of rules in the container.
// Each refusal comes before any kernel change, is audited as a denial, and the failed ADD leaves
// the host's and the container's rules and routes as they were.
import { beforeAll, describe, expect, it } from "vitest";
import { type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { buildFixtures } from "../../helpers/plugin-under-test";
import { ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";

const GRANT = { interfaces: ["netns", "link", "route", "rule"], hostNetns: true, linkKinds: ["vrf"], hostRouteTables: [100] };

let pluginDir: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["steerer"]);
}, 120_000);

const netns = netnsPerTest({ ipv6: false });

/** Rules of both families and routes of every table, as ip -j shows them. */
function state(ns: TestNetns): unknown {
  return { rules4: ipJson(ns, ["-4", "rule", "show"]), rules6: ipJson(ns, ["-6", "rule", "show"]), routes: ipJson(ns, ["route", "show", "table", "all"]) };
}

/** The network's config names 10.22.0.0/16: the range the plugin's containers get addresses from. */
function call(host: TestNetns, c: TestNetns, config: Record<string, unknown>, grant: Record<string, unknown> = GRANT): HostileOutcome {
  return runHostile({
    plugin: "steerer", pluginDir, policy: writePolicy({ steerer: grant }), host, netns: c,
    config: { name: "rules", ipam: { type: "host-local", subnet: "10.22.0.0/16" }, ...config },
  });
}

/** The call failed with the host's refusal as the plugin passed it on, audited once as a denial. */
function expectDenied(r: HostileOutcome, fn: string, body: string): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.json).toMatchObject({ cniVersion: "1.1.0", msg: expect.stringMatching(new RegExp(`^steerer [a-z-]+: denied: ${body}`)) });
  const audit = r.audit();
  expect(audit.calls.filter((c) => c.fn === fn && c.outcome.startsWith("denied: ")), JSON.stringify(audit.calls)).toHaveLength(1);
  expect(audit.denials).toEqual([{ plugin: "steerer", fn, reason: expect.stringMatching(new RegExp(`^${body}`)) }]);
}

describe("host rules outside the grant are denied before any kernel change", () => {
  it.each([
    ["a rule steering every packet of the node into its granted table", { mode: "steer-all", table: 100 },
      "rule.add", 'plugin "steerer" may not add rule from all lookup 100 in the host netns: a host rule must select by a source \\(from\\) inside'],
    ["the same at priority 1, before main", { mode: "steer-all", table: 100, priority: 1 },
      "rule.add", 'plugin "steerer" may not add rule pref 1 from all lookup 100 in the host netns: a host rule must select by a source'],
    ["a rule from its own range into a table not granted", { mode: "host-rule", src: "10.22.0.5/32", table: 200 },
      "rule.add", 'plugin "steerer" may not add rule from 10.22.0.5/32 lookup 200 in the host netns: a host rule must look up a table its grant\'s hostRouteTables lists \\(100\\)'],
    ["a rule into main", { mode: "host-rule", src: "10.22.0.5/32", table: 254 },
      "rule.add", 'plugin "steerer" may not add rule from 10.22.0.5/32 lookup 254 in the host netns: a host rule must look up a table'],
    ["a rule from outside its range", { mode: "host-rule", src: "10.0.0.0/8", table: 100 },
      "rule.add", 'plugin "steerer" may not add rule from 10.0.0.0/8 lookup 100 in the host netns: a host rule must select by a source'],
    ["a not rule (everything but its range)", { mode: "host-rule", src: "10.22.0.0/16", table: 100, invert: true },
      "rule.add", 'plugin "steerer" may not add rule not from 10.22.0.0/16 lookup 100 in the host netns: "not" would select every packet'],
    ["a rule on an input link out of its scope", { mode: "host-rule", iif: "lo", table: 100 },
      "rule.add", 'plugin "steerer" may not add a rule \\(iif\\) on host link lo: it did not create it'],
    ["a VRF in the host netns on a table not granted", { mode: "host-vrf", table: 200 },
      "link.create", 'plugin "steerer" may not make VRF vrf9 with table 200 in the host netns: only a table its grant\'s hostRouteTables lists \\(100\\)'],
    ["deleting the node's from all lookup main", { mode: "host-delete", table: 254 },
      "rule.delete", 'plugin "steerer" may not delete rule from all lookup 254 in the host netns: a host rule must look up a table'],
  ])("%s", (_what, config, fn, body) => {
    const host = netns("host"), c = netns("ctr");
    const before = { host: state(host), c: state(c) };
    expectDenied(call(host, c, config), fn, body);
    expect({ host: state(host), c: state(c) }).toEqual(before);
  });

  it("a VRF in the host netns on a granted table gets past the host to the kernel (which has no vrf driver here)", () => {
    const host = netns("host"), c = netns("ctr");
    const before = state(host);
    const r = call(host, c, { mode: "host-vrf", table: 100 });
    expect(r.json).toMatchObject({ msg: expect.stringMatching(/^steerer host-vrf: kernel: .*EOPNOTSUPP/) });
    expect(state(host)).toEqual(before);
  });

  it("a rule from its range into a granted table is let through, and taken back when the ADD fails", () => {
    const host = netns("host"), c = netns("ctr");
    const before = state(host);
    const failed = call(host, c, { mode: "host-rule", src: "10.22.0.5/32", table: 100 });
    expect(failed.json).toMatchObject({ msg: "steerer host-rule: done, now failing" });
    expect(failed.audit().calls.map((x) => [x.fn, x.outcome])).toEqual([
      ["netns.container", "ok"], ["netns.host", "ok"], ["rule.add", "ok"], ["undo rule changes (ns 1)", "ok"],
    ]);
    expect(state(host)).toEqual(before);
    const r = call(host, c, { mode: "host-rule", src: "10.22.0.5/32", table: 100, allowed: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ipJson(host, ["-4", "rule", "show", "table", "100"])).toEqual([{ priority: 32765, src: "10.22.0.5", table: "100" }]);
  });
});

describe("container rules", () => {
  it("a flood of rules stops at the default maxHostCalls (10,000) and the failed ADD takes every rule back, in linear time", () => {
    const host = netns("host"), c = netns("ctr");
    const before = state(c);
    const r = call(host, c, { mode: "flood", src: "10.22.0.5/32", table: 100 }, GRANT);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json).toMatchObject({ msg: expect.stringMatching(/maxHostCalls 10000/) });
    expect(state(c)).toEqual(before);
  });

  it("a route in a table of its own, a rule into it and a deleted main rule are all put back when the ADD fails", () => {
    const host = netns("host"), c = netns("ctr");
    const before = state(c);
    const r = call(host, c, { mode: "container", src: "10.22.0.5/32", table: 100 });
    expect(r.json).toMatchObject({ msg: "steerer container: done, now failing" });
    expect(state(c)).toEqual(before);
    const kept = call(host, c, { mode: "container", src: "10.22.0.5/32", table: 100, allowed: true });
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(ipJson(c, ["-4", "rule", "show"])).toEqual([
      { priority: 0, src: "all", table: "local" },
      { priority: 32765, src: "10.22.0.5", table: "100" },
      { priority: 32767, src: "all", table: "default" },
    ]);
    expect(ipJson(c, ["route", "show", "table", "100"])).toEqual([{ dst: "default", dev: "lo", scope: "link", flags: [] }]);
  });
});
