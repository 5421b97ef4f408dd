// firewall.* through the cap (the WIT call a plugin makes, turned into nf_tables requests by
// host/caps/firewall.ts and host/kernel/nft), byte for byte against the batch nft sends for
// the same rule (nft-captures.ts, captured by capture-nft.sh). Comments and table names are
// the ones the cap writes for plugin "ptp"/"bridge", network "net1", container "ctr1", ifname "eth0".
import { describe, expect, it, vi } from "vitest";
import type { CallContext } from "../../host/caps/context";
import { createFirewallCaps } from "../../host/caps/firewall";
import { scopeOf } from "../../host/caps/scope";
import { Journal } from "../../host/caps/journal";
import type { NftHandle } from "../../host/kernel/nft/handle";
import { batch } from "../../host/kernel/nft/batch";
import { NLM_F } from "../../host/kernel/nl/header";
import { encodeRequest, type NlMessage, type NlRequest } from "../../host/kernel/nl/message";
import { DEFAULT_LIMITS } from "../../host/runtime/policy";
import type { Rule } from "../../host/generated/interfaces/cni-host-firewall";
import { NFT } from "./nft-captures";

const fake = vi.hoisted(() => ({ commits: [] as NlRequest[][], refused: [] as NlRequest[][], rules: [] as NlMessage[], tables: true, pruned: false }));

// A kernel with no table yet (`tables: false`) has no chain to GETCHAIN and refuses a batch that
// adds a rule without first making its table and chain, as the real one does (ENOENT).
vi.mock("../../host/kernel/nft/handle", async () => {
  const { Errno, KernelError } = await import("../../host/kernel/errors");
  const { NFT_MSG, nftType } = await import("../../host/kernel/nft/message-types");
  return {
    withNft: <T>(_ns: unknown, fn: (h: NftHandle) => T): T =>
      fn({
        commit: (changes: NlRequest[]) => {
          // `pruned`: another call's DEL removed the chain after GETCHAIN saw it.
          if ((!fake.tables || fake.pruned) && !changes.some((c) => c.type === nftType(NFT_MSG.NEWTABLE))) {
            fake.refused.push(changes);
            throw new KernelError("commit", Errno.ENOENT);
          }
          fake.commits.push(changes);
        },
        // GETCHAIN answers the chain when the kernel has tables, ENOENT (nothing) when not.
        dump: (req: NlRequest) => (req.type === nftType(NFT_MSG.GETCHAIN) ? (fake.tables ? [{} as NlMessage] : []) : fake.rules),
        close: () => undefined,
      } as unknown as NftHandle),
  };
});

// The container's addresses, as the host reads them from CNI_NETNS: ensure-masquerade takes only those.
vi.mock("../../host/kernel/rtnl/addr", () => ({
  addrList: () => ["10.1.0.2/24", "10.2.3.4/14", "fd00::2/64"].map((cidr) => ({ cidr })),
}));

/** The runtime's prevResult: firewall.apply takes rules about these addresses only. */
const CONFIG = JSON.stringify({
  cniVersion: "1.1.0", name: "net1", type: "portmap",
  prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0", sandbox: "/run/netns/ctr1" }], ips: [{ address: "10.1.0.2/24", interface: 0 }, { address: "fd00::2/64", interface: 0 }] },
});

function caps(plugin: string, tables = false, pruned = false) {
  fake.commits.length = 0;
  fake.refused.length = 0;
  fake.tables = tables;
  fake.pruned = pruned;
  const ctx = {
    plugin, call: { command: "ADD", containerId: "ctr1", ifname: "eth0", netnsPath: "/run/netns/ctr1" }, network: { name: "net1" }, records: [], hostCalls: 0, config: CONFIG,
    namespaces: { netns: () => ({}), open: () => 1, rtnl: () => ({}) }, journal: new Journal(false), grant: DEFAULT_LIMITS,
  } as unknown as CallContext;
  scopeOf(ctx).hold(0, false); // the handle a plugin got from netns.container
  return createFirewallCaps(ctx);
}

/** The batch as nft writes it: sequence numbers from 0, NLM_F_REQUEST, and no NLM_F_ACK (see batch.ts). */
function wire(changes: NlRequest[]): string {
  return Buffer.concat(batch(changes).map((r, i) => encodeRequest({ ...r, flags: (r.flags | NLM_F.REQUEST) & ~NLM_F.ACK }, i))).toString("hex");
}

describe("firewall sends what nft sends", () => {
  it.each([
    ["masq-v4", "10.1.0.2/24"],
    ["masq-v4-odd-prefix", "10.2.3.4/14"],
    ["masq-v6", "fd00::2/64"],
  ])("ensure-masquerade %s (%s): table, nat chain and rule in one batch", (label, cidr) => {
    caps("ptp").ensureMasquerade(0, cidr);
    expect(fake.commits).toHaveLength(1);
    expect(wire(fake.commits[0]!)).toBe(NFT[label]);
  });

  it("ensure-masquerade into a table and chain that exist: the rule alone, with no table or chain re-added (a commit that re-adds a base chain grows with the table's rules)", () => {
    caps("ptp", true).ensureMasquerade(0, "10.1.0.2/24");
    expect(fake.refused).toHaveLength(0);
    expect(fake.commits).toHaveLength(1);
    expect(fake.commits[0]!.map((c) => c.type & 0xff)).toEqual([6]); // NFT_MSG_NEWRULE only
  });

  it("a chain pruned by another call between the look and the commit: once more with table and chain, the same batch as nft's", () => {
    caps("ptp", true, true).ensureMasquerade(0, "10.1.0.2/24");
    expect(fake.refused).toHaveLength(1);
    expect(fake.commits).toHaveLength(1);
    expect(wire(fake.commits[0]!)).toBe(NFT["masq-v4"]);
  });

  it("ensure-masquerade into a kernel without the table: never a batch the kernel refuses (an aborted transaction costs ~12 ms)", () => {
    caps("ptp").ensureMasquerade(0, "10.1.0.2/24");
    expect(fake.refused).toHaveLength(0);
  });

  it("ensure-spoof-check: bridge table, prerouting filter chain at -300 and the drop rule", () => {
    caps("bridge").ensureSpoofCheck(0, { ifname: "veth1234abcd", mac: "02:11:22:33:44:55" });
    expect(wire(fake.commits[0]!)).toBe(NFT["spoof"]);
  });

  it("remove deletes this container's rule on this network by its handle", () => {
    // A dump answer with one rule of ctr1/eth0 on net1 (handle 2), one of another container and
    // one of the same container id and ifname on another network.
    fake.rules = [
      ruleReply(2n, "net1:ctr1/eth0 masquerade 10.1.0.2/24"), ruleReply(3n, "net1:ctr2/eth0 masquerade 10.1.0.3/24"),
      ruleReply(4n, "net2:ctr1/eth0 masquerade 10.2.0.2/24"),
    ];
    try {
      caps("ptp", true).remove(0);
    } finally {
      fake.rules = [];
    }
    // One DELRULE for the inet chain; the bridge chain's dump answers the same fake rules.
    expect(wire(fake.commits[0]!)).toBe(NFT["delete-rule"]);
  });
});

const own4 = { tag: "saddr", val: { cidr: "10.1.0.2/32", negate: false } } as const;
const own6 = { tag: "saddr", val: { cidr: "fd00::2/128", negate: false } } as const;
const to4 = { tag: "daddr", val: { cidr: "10.1.0.2/32", negate: false } } as const;
const p = (first: number, last = first) => ({ first, last });
const dnat8080: Rule = { chain: "nat-prerouting", family: "v4", counter: false, matches: [{ tag: "daddr-local" }, { tag: "protocol", val: "tcp" }, { tag: "dport", val: p(8080) }], verdict: { tag: "dnat", val: { addr: "10.1.0.2", ports: p(80) } } };

/** The typed rules of capture-nft.sh, by label (each `meta nfproto ...` as nft was given it). */
const TYPED: Record<string, Rule> = {
  "rule-dnat-port": { ...dnat8080, counter: true },
  "rule-dnat-v6-range": { chain: "nat-output", family: "v6", counter: false, matches: [{ tag: "daddr-local" }, { tag: "protocol", val: "udp" }, { tag: "dport", val: p(8000, 8100) }], verdict: { tag: "dnat", val: { addr: "fd00::2", ports: p(9000, 9100) } } },
  "rule-masq-ct-dnat": { chain: "nat-postrouting", family: "v4", counter: false, matches: [{ tag: "saddr", val: { cidr: "10.1.0.0/24", negate: false } }, to4, { tag: "ct-dnat" }], verdict: { tag: "masquerade", val: undefined } },
  "rule-masq-ports": { chain: "nat-postrouting", family: "v4", counter: false, matches: [own4, { tag: "protocol", val: "sctp" }], verdict: { tag: "masquerade", val: p(1024, 2000) } },
  "rule-snat": { chain: "nat-postrouting", family: "v4", counter: false, matches: [own4, { tag: "daddr", val: { cidr: "10.2.0.0/20", negate: true } }], verdict: { tag: "snat", val: { addr: "10.1.0.2" } } },
  "rule-redirect": { chain: "nat-prerouting", family: "v4", counter: false, matches: [to4, { tag: "protocol", val: "tcp" }], verdict: { tag: "redirect", val: p(8080) } },
  "rule-forward-ct": { chain: "filter-forward", family: "v4", counter: true, matches: [to4, { tag: "ct-state", val: { established: true, related: true } }], verdict: { tag: "accept" } },
  "rule-iif-oif-drop": { chain: "filter-forward", family: "v4", counter: false, matches: [to4, { tag: "iifname", val: { name: "br1", negate: true } }, { tag: "oifname", val: { name: "br0", negate: false } }, { tag: "ct-state", val: { new: true, invalid: true, untracked: true } }], verdict: { tag: "drop" } },
  "rule-reject": { chain: "filter-input", family: "v4", counter: false, matches: [own4, { tag: "protocol", val: "icmp" }], verdict: { tag: "reject" } },
  "rule-reject-tcp": { chain: "filter-forward", family: "v6", counter: false, matches: [own6, { tag: "protocol", val: "tcp" }, { tag: "sport", val: p(1, 1023) }], verdict: { tag: "reject" } },
  "rule-mark-set": { chain: "filter-input", family: "v4", counter: false, matches: [own4, { tag: "mark", val: { value: 1, mask: 0xff } }], verdict: { tag: "set-mark", val: 0x10 } },
  "rule-counter": { chain: "filter-input", family: "v6", counter: true, matches: [own6, { tag: "mark", val: { value: 7, mask: 0xffffffff } }], verdict: { tag: "continue" } },
};

describe("firewall.apply sends what nft sends", () => {
  it.each(Object.keys(TYPED))("%s: table, base chain and the rule in one batch", (label) => {
    caps("portmap").apply(0, [TYPED[label]!]);
    expect(fake.commits).toHaveLength(1);
    expect(wire(fake.commits[0]!)).toBe(NFT[label]);
  });

  it("two rules in two chains: one batch, the table once, both chains, then the rules", () => {
    caps("portmap").apply(0, [dnat8080, { ...dnat8080, chain: "nat-output" }]);
    expect(fake.commits).toHaveLength(1);
    expect(wire(fake.commits[0]!)).toBe(NFT["rule-two-chains"]);
  });
});

/** An NFT_MSG_NEWRULE dump message of table wasm-cni-ptp, chain postrouting. */
function ruleReply(handle: bigint, comment: string): NlMessage {
  const req = encodeRequest({
    type: (10 << 8) | 6, flags: 0, body: Uint8Array.of(1, 0, 0, 0),
    attrs: [str(1, "wasm-cni-ptp"), str(2, "postrouting"), { type: 3, data: be64(handle), children: [] }, udata(comment)],
  }, 0);
  return { header: { len: req.length, type: (10 << 8) | 6, flags: 0, seq: 0, pid: 0 }, payload: req.subarray(16) };
}
const str = (type: number, s: string) => ({ type, data: Buffer.from(`${s}\0`), children: [] });
const be64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(v); return new Uint8Array(b); };
const udata = (s: string) => ({ type: 7, data: Buffer.concat([Buffer.from([0, s.length + 1]), Buffer.from(`${s}\0`)]), children: [] });
