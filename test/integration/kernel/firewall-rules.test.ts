// firewall.apply and firewall.rules through the cap against the real kernel in a fresh netns:
// every match and verdict of the rule vocabulary goes in as one transaction and reads back
// from the kernel as it was given (with its counters), no rule twice, remove and the
// journal cover typed rules, and malformed rules are `invalid` before any kernel work.
import { describe, expect, it } from "vitest";
import { type CallContext, NamespaceTable } from "../../../host/caps/context";
import { CapError } from "../../../host/caps/errors";
import { createFirewallCaps } from "../../../host/caps/firewall";
import { Journal } from "../../../host/caps/journal";
import { scopeOf } from "../../../host/caps/scope";
import type { Rule } from "../../../host/generated/interfaces/cni-host-firewall";
import { DEFAULT_LIMITS } from "../../../host/runtime/policy";
import { freshNs, native } from "./fixture";

const PREV = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "br0" }, { name: "eth0", sandbox: "/run/netns/x" }, { name: "eth1", sandbox: "/run/netns/x" }],
  ips: [
    { address: "10.1.0.2/24", interface: 1 }, { address: "fd00::2/64", interface: 1 },
    { address: "10.7.0.2/24", interface: 2 }, // another interface of the container: not this call's
  ],
};

function caps(path: string, opts: { command?: "ADD" | "DEL" | "GC"; journal?: Journal; config?: unknown } = {}) {
  const namespaces = new NamespaceTable(native);
  const id = namespaces.open(path);
  const ctx = {
    plugin: "portmap", call: { command: opts.command ?? "ADD", containerId: "ctr1", ifname: "eth0", netnsPath: path }, namespaces,
    journal: opts.journal ?? new Journal(false), records: [], hostCalls: 0,
    config: JSON.stringify(opts.config ?? { cniVersion: "1.1.0", name: "net1", type: "portmap", prevResult: PREV }),
    network: { name: "net1" }, grant: { interfaces: ["firewall"], hostNetns: false, delegates: [], ...DEFAULT_LIMITS },
  } as unknown as CallContext;
  scopeOf(ctx).hold(id, false);
  return { fw: createFirewallCaps(ctx), id, ctx, close: () => namespaces.close() };
}

const c4 = (cidr: string, negate = false) => ({ cidr, negate });
const ports = (first: number, last = first) => ({ first, last });

/** One of each match and verdict, as portmap and the firewall plugin use them and beyond. */
const TYPICAL: Rule[] = [
  { chain: "nat-prerouting", family: "v4", counter: true, matches: [{ tag: "daddr-local" }, { tag: "protocol", val: "tcp" }, { tag: "dport", val: ports(8080) }], verdict: { tag: "dnat", val: { addr: "10.1.0.2", ports: ports(80) } } },
  { chain: "nat-output", family: "v6", counter: false, matches: [{ tag: "daddr-local" }, { tag: "protocol", val: "udp" }, { tag: "dport", val: ports(8000, 8100) }], verdict: { tag: "dnat", val: { addr: "fd00::2", ports: ports(9000, 9100) } } },
  { chain: "nat-prerouting", family: "v4", counter: false, matches: [{ tag: "daddr", val: c4("10.1.0.2/32") }, { tag: "protocol", val: "tcp" }], verdict: { tag: "redirect", val: ports(8080) } },
  { chain: "nat-postrouting", family: "v4", counter: false, matches: [{ tag: "saddr", val: c4("10.1.0.0/24") }, { tag: "daddr", val: c4("10.1.0.2/32") }, { tag: "ct-dnat" }], verdict: { tag: "masquerade", val: undefined } },
  { chain: "nat-postrouting", family: "v4", counter: false, matches: [{ tag: "saddr", val: c4("10.1.0.2/32") }, { tag: "protocol", val: "sctp" }], verdict: { tag: "masquerade", val: ports(1024, 2000) } },
  { chain: "nat-postrouting", family: "v4", counter: false, matches: [{ tag: "saddr", val: c4("10.1.0.2/32") }, { tag: "daddr", val: c4("10.2.0.0/20", true) }], verdict: { tag: "snat", val: { addr: "10.1.0.2" } } },
  { chain: "filter-forward", family: "v4", counter: true, matches: [{ tag: "daddr", val: c4("10.1.0.2/32") }, { tag: "ct-state", val: { established: true, related: true } }], verdict: { tag: "accept" } },
  { chain: "filter-forward", family: "v4", counter: false, matches: [{ tag: "daddr", val: c4("10.1.0.2/32") }, { tag: "iifname", val: { name: "br1", negate: true } }, { tag: "oifname", val: { name: "br0", negate: false } }, { tag: "ct-state", val: { new: true, invalid: true, untracked: true } }], verdict: { tag: "drop" } },
  { chain: "filter-forward", family: "v6", counter: false, matches: [{ tag: "saddr", val: c4("fd00::2/128") }, { tag: "protocol", val: "tcp" }, { tag: "sport", val: ports(1, 1023) }], verdict: { tag: "reject" } },
  { chain: "filter-input", family: "v4", counter: false, matches: [{ tag: "saddr", val: c4("10.1.0.2/32") }, { tag: "protocol", val: "icmp" }], verdict: { tag: "reject" } },
  { chain: "filter-input", family: "v4", counter: false, matches: [{ tag: "saddr", val: c4("10.1.0.2/32") }, { tag: "mark", val: { value: 1, mask: 0xff } }], verdict: { tag: "set-mark", val: 0x10 } },
  { chain: "filter-input", family: "v6", counter: true, matches: [{ tag: "saddr", val: c4("fd00::2/128") }, { tag: "mark", val: { value: 7, mask: 0xffffffff } }], verdict: { tag: "continue" } },
];

const CHAIN_ORDER = ["nat-prerouting", "nat-output", "nat-postrouting", "filter-forward", "filter-input"];
/** Where apply puts rules: by chain, and in each chain the drops and rejects (inserted at its head) first. */
const head = (r: Rule) => (r.verdict.tag === "drop" || r.verdict.tag === "reject" ? 0 : 1);
const inChainOrder = (rs: Rule[]) => [...rs].sort((a, b) => CHAIN_ORDER.indexOf(a.chain) - CHAIN_ORDER.indexOf(b.chain) || head(a) - head(b));

describe("firewall.apply and firewall.rules (nftables)", () => {
  it("every match and verdict goes in and reads back from the kernel as given, with counters; again adds nothing", () => {
    const a = freshNs();
    const { fw, id, close } = caps(a.test.path);
    try {
      fw.apply(id, TYPICAL);
      fw.apply(id, TYPICAL.slice(0, 3));
      const got = fw.rules(id);
      expect(got.map((s) => s.rule)).toEqual(inChainOrder(TYPICAL));
      expect(got.every((s) => s.packets === 0n && s.bytes === 0n)).toBe(true);
      const text = a.test.exec("nft", ["list", "table", "inet", "wasm-cni-portmap"]);
      expect(text).toMatch(/chain prerouting \{\s+type nat hook prerouting priority dstnat; policy accept;/);
      expect(text).toMatch(/chain output \{\s+type nat hook output priority -100; policy accept;/);
      expect(text).toMatch(/chain postrouting \{\s+type nat hook postrouting priority srcnat; policy accept;/);
      expect(text).toMatch(/chain forward \{\s+type filter hook forward priority filter; policy accept;/);
      expect(text).toMatch(/chain input \{\s+type filter hook input priority filter; policy accept;/);
      expect(text).toContain('meta nfproto ipv4 fib daddr type local tcp dport 8080 counter packets 0 bytes 0 dnat ip to 10.1.0.2:80 comment "net1:ctr1/eth0 rule"');
      expect(text).toContain("ip saddr 10.1.0.0/24 ip daddr 10.1.0.2 ct status dnat masquerade");
      expect(text).toContain('ip daddr 10.1.0.2 iifname != "br1" oifname "br0" ct state invalid,new,untracked drop');
      expect(text).toContain("ip6 saddr fd00::2 tcp sport 1-1023 reject with tcp reset");
      expect(text.match(/comment/g)).toHaveLength(TYPICAL.length);
    } finally {
      close();
    }
  });

  it("counters count: a ping the rule matches shows in rules()", () => {
    const a = freshNs();
    a.test.exec("ip", ["addr", "add", "10.1.0.2/24", "dev", "lo"]);
    const { fw, id, close } = caps(a.test.path);
    try {
      fw.apply(id, [{ chain: "filter-input", family: "v4", counter: true, matches: [{ tag: "daddr", val: c4("10.1.0.2/32") }, { tag: "protocol", val: "icmp" }], verdict: { tag: "continue" } }]);
      a.test.exec("ping", ["-c", "2", "-W", "1", "10.1.0.2"]);
      const [s] = fw.rules(id);
      expect(s!.packets).toBeGreaterThanOrEqual(2n);
      expect(s!.bytes).toBeGreaterThan(0n);
    } finally {
      close();
    }
  });

  it("remove takes the typed rules; when a later ADD fails, the journal brings them back as they were", () => {
    const a = freshNs();
    const first = caps(a.test.path);
    first.fw.apply(first.id, TYPICAL);
    first.close();
    const journal = new Journal(true);
    const { fw, id, ctx, close } = caps(a.test.path, { journal });
    try {
      fw.remove(id);
      expect(fw.rules(id)).toEqual([]);
      journal.rollback(ctx.records);
      expect(fw.rules(id).map((s) => s.rule)).toEqual(inChainOrder(TYPICAL));
    } finally {
      close();
    }
  });

  it("a failed ADD takes back exactly the rules its apply added, not the attachment's earlier ones", () => {
    const a = freshNs();
    const first = caps(a.test.path);
    first.fw.apply(first.id, TYPICAL.slice(0, 2));
    first.close();
    const journal = new Journal(true);
    const { fw, id, ctx, close } = caps(a.test.path, { journal });
    try {
      fw.apply(id, TYPICAL.slice(0, 4));
      expect(fw.rules(id)).toHaveLength(4);
      journal.rollback(ctx.records);
      expect(fw.rules(id).map((s) => s.rule)).toEqual(TYPICAL.slice(0, 2));
    } finally {
      close();
    }
  });

  it("remove (DEL) of the last rules deletes the chains and the table they leave empty: the ruleset is as before", () => {
    const a = freshNs();
    const before = a.test.exec("nft", ["list", "ruleset"]);
    const add = caps(a.test.path);
    add.fw.apply(add.id, TYPICAL);
    add.close();
    const { fw, id, close } = caps(a.test.path, { command: "DEL" });
    try {
      fw.remove(id);
      expect(a.test.exec("nft", ["list", "ruleset"])).toBe(before);
    } finally {
      close();
    }
  });

  it("remove keeps a chain that still holds another attachment's rule, and a chain an operator gave a drop policy", () => {
    const a = freshNs();
    const add = caps(a.test.path);
    add.fw.apply(add.id, TYPICAL);
    add.close();
    const { fw, id, close } = caps(a.test.path, { command: "DEL" });
    try {
      // Another container's rule in prerouting; the operator's policy on forward.
      a.test.exec("nft", ["add", "rule", "inet", "wasm-cni-portmap", "prerouting", "ip", "daddr", "10.1.0.9", "accept", "comment", "\"net1:other/eth0 rule\""]);
      a.test.exec("nft", ["add", "chain", "inet", "wasm-cni-portmap", "forward", "{ type filter hook forward priority 0 ; policy drop ; }"]);
      fw.remove(id);
      const text = a.test.exec("nft", ["list", "table", "inet", "wasm-cni-portmap"]);
      expect(text.match(/chain (\S+)/g)).toEqual(["chain prerouting", "chain forward"]);
      expect(text).toContain('comment "net1:other/eth0 rule"');
      expect(text).toContain("policy drop;");
    } finally {
      close();
    }
  });

  it("a drop or reject goes before every attachment's accepts in its chain, in the call's order", () => {
    const a = freshNs();
    const other = caps(a.test.path);
    other.fw.apply(other.id, [TYPICAL[6]!]); // an accept already in forward
    other.close();
    const { fw, id, close } = caps(a.test.path);
    try {
      const drop1 = { ...TYPICAL[7]!, counter: true };
      fw.apply(id, [TYPICAL[7]!, drop1]);
      expect(fw.rules(id).map((s) => s.rule)).toEqual([TYPICAL[7], drop1, TYPICAL[6]]);
    } finally {
      close();
    }
  });

  it("apply outside ADD is denied", () => {
    const a = freshNs();
    const { fw, id, close } = caps(a.test.path, { command: "DEL" });
    try {
      expect(() => fw.apply(id, TYPICAL.slice(0, 1))).toThrow(/may call firewall.apply only during ADD, not DEL/);
    } finally {
      close();
    }
  });

  const fwd = (matches: Rule["matches"], verdict: Rule["verdict"] = { tag: "accept" }, more: Partial<Rule> = {}): Rule =>
    ({ chain: "filter-forward", family: "v4", counter: false, matches, verdict, ...more });
  const own = { tag: "daddr", val: c4("10.1.0.2/32") } as const;

  it.each<[string, Rule, RegExp]>([
    ["a CIDR that does not parse", fwd([{ tag: "daddr", val: c4("10.1.0.300/32") }]), /rule 0 daddr: "10.1.0.300\/32" is not a CIDR/],
    ["a CIDR of the other family", fwd([{ tag: "daddr", val: c4("fd00::2/128") }]), /rule 0 daddr: fd00::2\/128 is not an IPv4 CIDR/],
    ["family all", fwd([own], { tag: "accept" }, { family: "all" }), /rule 0: family must be v4 or v6/],
    ["a port range backwards", fwd([own, { tag: "protocol", val: "tcp" }, { tag: "dport", val: ports(90, 80) }]), /port range 90-80 must have 1 <= first <= last/],
    ["a port match without tcp, udp or sctp", fwd([own, { tag: "protocol", val: "icmp" }, { tag: "dport", val: ports(80) }]), /a dport match needs a protocol match of tcp, udp or sctp/],
    ["icmpv6 in a v4 rule", fwd([own, { tag: "protocol", val: "icmpv6" }]), /protocol icmpv6 does not go with family v4/],
    ["an interface name too long", fwd([own, { tag: "iifname", val: { name: "a-name-of-16-byt", negate: false } }]), /is not an interface name/],
    ["a DNAT in a filter chain", fwd([own], { tag: "dnat", val: { addr: "10.1.0.2" } }), /verdict dnat works only in nat-prerouting or nat-output, not filter-forward/],
    ["a DNAT with no address", fwd([own], { tag: "dnat", val: {} }, { chain: "nat-prerouting" }), /dnat: needs an address/],
    ["NAT ports without a protocol", fwd([own], { tag: "dnat", val: { addr: "10.1.0.2", ports: ports(80) } }, { chain: "nat-prerouting" }), /with ports needs a protocol match/],
    ["a mark value outside its mask", fwd([own, { tag: "mark", val: { value: 0x100, mask: 0xff } }]), /has bits outside its mask/],
    ["17 matches", fwd(Array.from({ length: 17 }, () => own)), /17 matches, more than 16/],
  ])("%s is invalid, and nothing is added", (_, rule, msg) => {
    const a = freshNs();
    const before = a.test.exec("nft", ["list", "ruleset"]);
    const { fw, id, close } = caps(a.test.path);
    try {
      let err: unknown;
      try {
        fw.apply(id, [rule]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CapError);
      expect((err as CapError).payload).toEqual({ tag: "invalid", val: expect.stringMatching(msg) });
      expect(a.test.exec("nft", ["list", "ruleset"])).toBe(before);
    } finally {
      close();
    }
  });

  it("an address of the container's other interface (prevResult ips of eth1) is not this call's", () => {
    const a = freshNs();
    const { fw, id, close } = caps(a.test.path);
    try {
      expect(() => fw.apply(id, [fwd([{ tag: "daddr", val: c4("10.7.0.2/32") }])])).toThrow(/does not concern the call's container.*prevResult: 10\.1\.0\.2, fd00::2\)/);
    } finally {
      close();
    }
  });
});
