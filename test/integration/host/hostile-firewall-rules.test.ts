// firewall.apply is scoped to the call's container, whose addresses the host takes from the
// runtime's prevResult, never from the plugin: against the `poacher` fixture (granted the host
// netns and the firewall, as portmap is), which applies in the node's netns a drop-all in
// filter-input, a DNAT of the node's port 22 to an address that is not the container's, a DNAT
// of every port of the node to the container, a
// negated saddr, a match on the container's whole subnet, a rule for another network's
// container, a 100000-rule list, and a bad rule among good ones. Each is refused, audited, and
// the node's ruleset is as before. Rules about the container go in, once, and a failed ADD
// takes them back.
import { beforeAll, describe, expect, it } from "vitest";
import { type HostileOutcome, runHostile, writePolicy } from "../../helpers/hostile";
import { netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildFixtures } from "../../helpers/plugin-under-test";

let pluginDir: string;
let policy: string;

beforeAll(async () => {
  pluginDir = await buildFixtures(["poacher"]);
  policy = writePolicy({ poacher: { interfaces: ["netns", "firewall"], hostNetns: true } });
}, 240_000);

const netns = netnsPerTest();

/** What bridge returned for the container: 10.60.0.2/24 on eth0 in the container's netns. */
function prevResult(c: TestNetns) {
  return {
    cniVersion: "1.1.0",
    interfaces: [{ name: "cni0" }, { name: "eth0", sandbox: c.path }],
    ips: [{ address: "10.60.0.2/24", gateway: "10.60.0.1", interface: 1 }],
  };
}

function poacher(host: TestNetns, mode: string, target: string, extra: Record<string, unknown> = {}): HostileOutcome {
  const c = netns("c");
  return runHostile({
    plugin: "poacher", pluginDir, policy, host, netns: c,
    config: { name: "hostile", mode, target, prevResult: prevResult(c), ...extra },
  });
}

const msgOf = (r: HostileOutcome): string => String((r.json as { msg?: unknown } | undefined)?.msg);
const ruleset = (host: TestNetns): string => host.exec("nft", ["list", "ruleset"]);

describe("firewall.apply refuses rules that do not concern the call's container", () => {
  it.each([
    ["drop-input", "", /rule 0 \(filter-input, drop\): it does not concern the call's container/],
    ["dnat-ssh", "10.60.0.9", /rule 0 \(nat-prerouting, dnat\): it does not concern the call's container/],
    ["dnat-all", "10.60.0.2", /rule 0 \(nat-prerouting, dnat\): a rule that names the container only as its dnat target must match a dport/],
    ["negated-saddr", "10.60.0.2", /rule 0 \(filter-forward, drop\): it does not concern/],
    ["wide-cidr", "10.60.0.2", /rule 0 \(filter-forward, drop\): it does not concern/],
    ["other-pod", "10.61.0.3", /rule 0 \(filter-forward, accept\): it does not concern/],
    ["mixed", "10.60.0.2", /rule 2 \(filter-input, drop\): it does not concern/],
    ["snat-as-other", "10.61.0.3", /rule 0 \(nat-postrouting, snat\): an snat may only give the container's traffic one of the container's own addresses/],
  ])("%s (%s) is denied and audited; the node's ruleset is unchanged", (mode, target, why) => {
    const host = netns("h");
    const before = ruleset(host);
    const r = poacher(host, mode, target);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/^poacher apply: denied: plugin "poacher" may not apply /) });
    expect(msgOf(r)).toMatch(why);
    expect(msgOf(r)).toMatch(/container's addresses from the runtime's prevResult: 10\.60\.0\.2\)/);
    expect(r.audit().denials).toEqual([{ plugin: "poacher", fn: "firewall.apply", reason: expect.stringMatching(why) }]);
    expect(ruleset(host)).toBe(before);
  });

  it("a 100000-rule list is refused before any kernel work; the ruleset is unchanged", () => {
    const host = netns("h");
    const before = ruleset(host);
    const r = poacher(host, "huge-list", "10.60.0.2");
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(msgOf(r)).toBe("poacher apply: invalid: 100000 rules in one apply, more than 64");
    expect(ruleset(host)).toBe(before);
  });

  it("without a prevResult the container has no addresses: even its own rules are denied", () => {
    const host = netns("h");
    const before = ruleset(host);
    const r = poacher(host, "valid", "10.60.0.2", { prevResult: undefined });
    expect(r.json).toMatchObject({ msg: expect.stringMatching(/addresses from the runtime's prevResult: none/) });
    expect(ruleset(host)).toBe(before);
  });
});

describe("firewall.apply with rules about the container", () => {
  it("adds them tagged with the attachment, in the plugin's table; a second ADD adds no duplicate", () => {
    const host = netns("h");
    const c = netns("c");
    const call = () => runHostile({ plugin: "poacher", pluginDir, policy, host, netns: c, config: { name: "hostile", mode: "valid", target: "10.60.0.2", prevResult: prevResult(c) } });
    const r = call();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const text = ruleset(host);
    expect(text).toContain("table inet wasm-cni-poacher");
    expect(text).toMatch(/ip daddr 10\.60\.0\.2 ct state established,related counter packets 0 bytes 0 accept comment "hostile:ctr1\/eth0 rule"/);
    expect(text).toMatch(/meta nfproto ipv4 fib daddr type local tcp dport 8080 counter packets 0 bytes 0 dnat ip to 10\.60\.0\.2:80 comment "hostile:ctr1\/eth0 rule"/);
    expect(call().code).toBe(0);
    expect(ruleset(host)).toBe(text);
  });

  it("a failed ADD takes its rules back (journal)", () => {
    const host = netns("h");
    const r = poacher(host, "valid", "10.60.0.2", { failAfter: true });
    expect(r.code).toBe(1);
    expect(ruleset(host)).not.toMatch(/comment/);
  });
});
