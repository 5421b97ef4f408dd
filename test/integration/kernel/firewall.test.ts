// firewall.* through the cap against the real kernel in a fresh netns: the rules `nft` then
// lists, idempotence, DEL's exactness, the journal's undo and the table boundary between plugins.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { type CallContext, type HostCallRecord, NamespaceTable } from "../../../host/caps/context";
import { CapError } from "../../../host/caps/errors";
import { createFirewallCaps } from "../../../host/caps/firewall";
import { Journal } from "../../../host/caps/journal";
import { scopeOf } from "../../../host/caps/scope";
import { NftHandle, withNft } from "../../../host/kernel/nft/handle";
import { NFPROTO, nfgenmsg, nftType } from "../../../host/kernel/nft/message-types";
import { deleteRulesAndPrune } from "../../../host/kernel/nft/prune";
import { COMMENT_MAX, ruleList } from "../../../host/kernel/nft/rule";
import type { NetnsHandle } from "../../../host/kernel/netns";
import { parseAttrs } from "../../../host/kernel/nl/attr";
import { DEFAULT_LIMITS } from "../../../host/runtime/policy";
import { freshNs, native } from "./fixture";

interface NftRule { family: string; table: string; chain: string; handle: number; comment?: string; expr: unknown[] }

function rules(exec: (cmd: string, args: string[]) => string): NftRule[] {
  const out = JSON.parse(exec("nft", ["-j", "list", "ruleset"])) as { nftables: Array<{ rule?: NftRule }> };
  return out.nftables.flatMap((o) => (o.rule ? [o.rule] : []));
}

/** The netns's nftables generation (NFT_MSG_GETGEN): each committed transaction adds one. */
function generation(ns: NetnsHandle): number {
  const NFT_MSG_GETGEN = 16;
  const NFTA_GEN_ID = 1;
  const [m] = withNft(ns, (h: NftHandle) => h.dump({ type: nftType(NFT_MSG_GETGEN), flags: 0, body: nfgenmsg(0), attrs: [] }, "get nft generation"));
  const id = m && parseAttrs(m.payload.subarray(4)).get(NFTA_GEN_ID);
  if (!id) throw new Error("no generation id");
  return new DataView(id.buffer, id.byteOffset, 4).getUint32(0);
}

/** The addresses these tests masquerade: ensure-masquerade takes only an address of the call's CNI_NETNS. */
const CONTAINER_ADDRS = ["10.1.0.2/24", "10.1.0.3/24", "10.9.0.2/24", "fd00::2/64", "fd00:1111:2222:3333:4444:5555:6666:7777/64"];

interface CallOpts {
  host?: boolean;
  config?: string;
  /** The runtime config's `name` (default "net1"). */
  network?: string;
  command?: "ADD" | "DEL" | "CHECK" | "GC";
  /** The GC config's cni.dev/valid-attachments. */
  valid?: { containerId: string; ifname: string }[];
}

function caps(path: string, plugin: string, containerId = "ctr1", ifname = "eth0", journal = new Journal(false), opts: CallOpts = {}) {
  const name = path.slice(path.lastIndexOf("/") + 1);
  for (const a of CONTAINER_ADDRS) spawnSync("ip", ["-n", name, "addr", "add", a, "dev", "lo", "nodad"]); // EEXIST the second time
  const namespaces = new NamespaceTable(native);
  const id = namespaces.open(path);
  const ctx = {
    plugin, call: { command: opts.command ?? "ADD", containerId, ifname, netnsPath: path }, namespaces, journal, records: [], hostCalls: 0, config: opts.config ?? "{}",
    network: { name: opts.network ?? "net1", ...(opts.valid && { validAttachments: opts.valid }) },
    grant: { interfaces: ["firewall"], hostNetns: opts.host ?? false, delegates: [], ...DEFAULT_LIMITS },
  } as unknown as CallContext;
  // As netns.container (or netns.host when `host`) would have: a handle this plugin holds.
  scopeOf(ctx).hold(id, opts.host ?? false);
  return { fw: createFirewallCaps(ctx), id, ctx, close: () => namespaces.close() };
}

describe("firewall cap (nftables)", () => {
  it("ensure-masquerade makes the plugin's table, a nat postrouting chain and one tagged rule; again adds nothing", () => {
    const a = freshNs();
    const { fw, id, close } = caps(a.test.path, "ptp");
    try {
      fw.ensureMasquerade(id, "10.1.0.2/24");
      fw.ensureMasquerade(id, "10.1.0.2/24");
      fw.ensureMasquerade(id, "fd00::2/64");
      const list = rules(a.test.exec);
      expect(list.map((r) => [r.family, r.table, r.chain, r.comment])).toEqual([
        ["inet", "wasm-cni-ptp", "postrouting", "net1:ctr1/eth0 masquerade 10.1.0.2/24"],
        ["inet", "wasm-cni-ptp", "postrouting", "net1:ctr1/eth0 masquerade fd00::2/64"],
      ]);
      expect(a.test.exec("nft", ["list", "chain", "inet", "wasm-cni-ptp", "postrouting"])).toMatch(
        /type nat hook postrouting priority srcnat;[\s\S]*ip saddr 10\.1\.0\.2 ip daddr != 10\.1\.0\.0\/24 ip daddr != 224\.0\.0\.0\/4 masquerade[\s\S]*ip6 saddr fd00::2 ip6 daddr != fd00::\/64 ip6 daddr != ff00::\/8 masquerade/,
      );
      expect(fw.list(id)).toEqual([{ tag: "masquerade", val: "10.1.0.2/24" }, { tag: "masquerade", val: "fd00::2/64" }]);
    } finally {
      close();
    }
  });

  it("ensure-spoof-check makes a bridge-family prerouting filter chain at -300 (dstnat) with the drop rule", () => {
    const a = freshNs();
    const { fw, id, close } = caps(a.test.path, "bridge");
    try {
      fw.ensureSpoofCheck(id, { ifname: "veth0abc", mac: "02:AA:bb:cc:dd:ee" });
      expect(a.test.exec("nft", ["list", "table", "bridge", "wasm-cni-bridge"])).toMatch(
        /type filter hook prerouting priority dstnat;[\s\S]*iifname "veth0abc" ether saddr != 02:aa:bb:cc:dd:ee drop comment "net1:ctr1\/eth0 spoof-check veth0abc 02:aa:bb:cc:dd:ee"/,
      );
      expect(fw.list(id)).toEqual([{ tag: "spoof-check", val: { ifname: "veth0abc", mac: "02:aa:bb:cc:dd:ee" } }]);
    } finally {
      close();
    }
  });

  it("remove takes exactly this container's rules, and succeeds again when they are gone", () => {
    const a = freshNs();
    const one = caps(a.test.path, "bridge", "ctr1");
    const two = caps(a.test.path, "bridge", "ctr2");
    try {
      one.fw.ensureMasquerade(one.id, "10.1.0.2/24");
      one.fw.ensureSpoofCheck(one.id, { ifname: "veth1", mac: "02:00:00:00:00:01" });
      two.fw.ensureMasquerade(two.id, "10.1.0.3/24");
      one.fw.remove(one.id);
      one.fw.remove(one.id);
      expect(rules(a.test.exec).map((r) => r.comment)).toEqual(["net1:ctr2/eth0 masquerade 10.1.0.3/24"]);
      expect(one.fw.list(one.id)).toEqual([]);
    } finally {
      one.close();
      two.close();
    }
  });

  it("DEL's remove takes the rules, the chains they empty and the table in one nftables transaction (one generation)", () => {
    const a = freshNs();
    const add = caps(a.test.path, "bridge", "ctr1");
    const del = caps(a.test.path, "bridge", "ctr1", "eth0", new Journal(false), { command: "DEL" });
    try {
      add.fw.ensureMasquerade(add.id, "10.1.0.2/24");
      add.fw.ensureMasquerade(add.id, "fd00::2/64");
      add.fw.ensureSpoofCheck(add.id, { ifname: "veth1", mac: "02:00:00:00:00:01" });
      const before = generation(a.ns);
      del.fw.remove(del.id);
      expect(generation(a.ns)).toBe(before + 1);
      expect(a.test.exec("nft", ["list", "tables"])).not.toMatch(/wasm-cni-bridge/);
    } finally {
      add.close();
      del.close();
    }
  });

  it("DEL's remove also takes a chain of the plugin left empty before (an ADD's remove prunes nothing), and then both tables", () => {
    const a = freshNs();
    const one = caps(a.test.path, "bridge", "ctr1");
    const two = caps(a.test.path, "bridge", "ctr2");
    const del = caps(a.test.path, "bridge", "ctr1", "eth0", new Journal(false), { command: "DEL" });
    try {
      one.fw.ensureMasquerade(one.id, "10.1.0.2/24");
      two.fw.ensureSpoofCheck(two.id, { ifname: "veth2", mac: "02:00:00:00:00:02" });
      two.fw.remove(two.id); // in an ADD: the bridge-family chain stays, empty
      expect(a.test.exec("nft", ["list", "tables"])).toMatch(/bridge wasm-cni-bridge/);
      del.fw.remove(del.id);
      expect(a.test.exec("nft", ["list", "tables"])).not.toMatch(/wasm-cni-bridge/);
    } finally {
      one.close();
      two.close();
      del.close();
    }
  });

  it("deleteRulesAndPrune with a listing another call changed since (a rule added): the rules go, the chain that is not empty stays", () => {
    const a = freshNs();
    const one = caps(a.test.path, "ptp", "ctr1");
    const two = caps(a.test.path, "ptp", "ctr2");
    try {
      one.fw.ensureMasquerade(one.id, "10.1.0.2/24");
      const chain = { family: NFPROTO.INET, table: "wasm-cni-ptp", chain: "postrouting" } as const;
      withNft(a.ns, (h) => {
        const listed = ruleList(h, chain);
        two.fw.ensureMasquerade(two.id, "10.1.0.3/24"); // after the listing: the batch's chain delete is refused
        deleteRulesAndPrune(h, [{ chain, rules: listed, doomed: listed.map((r) => r.handle) }]);
      });
      expect(rules(a.test.exec).map((r) => r.comment)).toEqual(["net1:ctr2/eth0 masquerade 10.1.0.3/24"]);
    } finally {
      one.close();
      two.close();
    }
  });

  it("a plugin cannot see or remove another plugin's table: list is empty and remove leaves it", () => {
    const a = freshNs();
    const ptp = caps(a.test.path, "ptp");
    const intruder = caps(a.test.path, "intruder");
    try {
      ptp.fw.ensureMasquerade(ptp.id, "10.1.0.2/24");
      expect(intruder.fw.list(intruder.id)).toEqual([]);
      intruder.fw.remove(intruder.id);
      expect(rules(a.test.exec).map((r) => [r.table, r.comment])).toEqual([["wasm-cni-ptp", "net1:ctr1/eth0 masquerade 10.1.0.2/24"]]);
    } finally {
      ptp.close();
      intruder.close();
    }
  });

  it("ensure-masquerade of an address no link of CNI_NETNS has is denied: one plugin cannot NAT other pods' traffic", () => {
    const a = freshNs();
    const { fw, id, ctx, close } = caps(a.test.path, "ptp");
    try {
      expect(() => fw.ensureMasquerade(id, "10.7.0.9/24")).toThrow(expect.objectContaining({
        payload: { tag: "denied", val: 'plugin "ptp" may not masquerade 10.7.0.9/24: not an address of the call\'s container (no link of CNI_NETNS has 10.7.0.9)' },
      }));
      expect(ctx.records.at(-1)).toMatchObject({ fn: "firewall.ensure-masquerade", outcome: expect.stringMatching(/^denied: /) });
      expect(rules(a.test.exec)).toEqual([]);
    } finally {
      close();
    }
  });

  it("a failed ADD's firewall.remove is undone: the rules an earlier ADD made come back", () => {
    const a = freshNs();
    const earlier = caps(a.test.path, "ptp");
    const journal = new Journal(true);
    const { fw, id, close } = caps(a.test.path, "ptp", "ctr1", "eth0", journal);
    try {
      earlier.fw.ensureMasquerade(earlier.id, "10.1.0.2/24");
      earlier.fw.ensureMasquerade(earlier.id, "fd00::2/64");
      const made = rules(a.test.exec).map(({ handle: _h, ...r }) => r);
      expect(made).toHaveLength(2);
      fw.remove(id);
      expect(rules(a.test.exec)).toEqual([]);
      const records: HostCallRecord[] = [];
      journal.rollback(records);
      expect(records.map((r) => [r.fn, r.outcome])).toEqual([[expect.stringMatching(/^undo firewall.remove net1:ctr1\/eth0/), "ok"]]);
      expect(rules(a.test.exec).map(({ handle: _h, ...r }) => r)).toEqual(made);
    } finally {
      close();
      earlier.close();
    }
  });

  it("a failed ADD's journal removes the rule it added", () => {
    const a = freshNs();
    const journal = new Journal(true);
    const { fw, id, close } = caps(a.test.path, "ptp", "ctr1", "eth0", journal);
    try {
      fw.ensureMasquerade(id, "10.1.0.2/24");
      expect(rules(a.test.exec)).toHaveLength(1);
      const records: never[] = [];
      journal.rollback(records);
      expect(rules(a.test.exec)).toHaveLength(0);
    } finally {
      close();
    }
  });

  it("a long network name and container id are tagged by a prefix and a hash; the longest comment is nft's 127 bytes", () => {
    const a = freshNs();
    const id64 = "a".repeat(64), network = `net-${"n".repeat(60)}`, ifname = "x".repeat(15);
    const { fw, id, close } = caps(a.test.path, "ptp", id64, ifname, new Journal(false), { network });
    try {
      fw.ensureMasquerade(id, "fd00:1111:2222:3333:4444:5555:6666:7777/128"); // the longest CIDR formatIp writes
      const [r] = rules(a.test.exec);
      expect(r!.comment).toMatch(/^net-nnnn~[0-9a-f]{14}:a{12}~[0-9a-f]{19}\/x{15} masquerade fd00:1111:2222:3333:4444:5555:6666:7777\/128$/);
      expect(r!.comment).toHaveLength(COMMENT_MAX);
      expect(fw.list(id)).toHaveLength(1);
    } finally {
      close();
    }
  });

  it("ensure-masquerade returns invalid for a bad CIDR or a /0; ensure-spoof-check for a bad MAC", () => {
    const a = freshNs();
    const { fw, id, close } = caps(a.test.path, "ptp");
    try {
      for (const bad of ["10.1.0.2", "10.1.0.2/33", "0.0.0.0/0", "x/24"]) {
        expect(() => fw.ensureMasquerade(id, bad), bad).toThrow(expect.objectContaining({ payload: expect.objectContaining({ tag: "invalid" }) }));
      }
      expect(() => fw.ensureSpoofCheck(id, { ifname: "veth0", mac: "02:00" })).toThrow(CapError);
      expect(() => fw.ensureSpoofCheck(id, { ifname: "a b", mac: "02:00:00:00:00:01" })).toThrow(CapError);
      expect(rules(a.test.exec)).toEqual([]);
    } finally {
      close();
    }
  });

  it("retain (GC) removes the rules of this network's attachments the runtime does not list, in the plugin's table only", () => {
    const a = freshNs();
    const long = "b".repeat(64);
    const one = caps(a.test.path, "bridge", "ctr1");
    const two = caps(a.test.path, "bridge", long, "net1");
    const other = caps(a.test.path, "ptp", "ctr1");
    const gc = (valid: { containerId: string; ifname: string }[]) => caps(a.test.path, "bridge", "", "", new Journal(false), { command: "GC", valid });
    try {
      one.fw.ensureMasquerade(one.id, "10.1.0.2/24");
      one.fw.ensureSpoofCheck(one.id, { ifname: "veth1", mac: "02:00:00:00:00:01" });
      two.fw.ensureMasquerade(two.id, "10.1.0.3/24");
      two.fw.ensureSpoofCheck(two.id, { ifname: "veth2", mac: "02:00:00:00:00:02" });
      other.fw.ensureMasquerade(other.id, "10.9.0.2/24"); // another plugin's rule of the same attachment
      const outside = () => rules(a.test.exec).filter((r) => r.table !== "wasm-cni-bridge");
      const before = outside();

      // A GC keeping the long-id attachment (matched through its hashed tag) and one never added.
      const g1 = gc([{ containerId: long, ifname: "net1" }, { containerId: "gone", ifname: "eth0" }]);
      expect(g1.fw.retain(g1.id)).toBe(2);
      expect(rules(a.test.exec).filter((r) => r.table === "wasm-cni-bridge").map((r) => r.comment)).toEqual([
        expect.stringMatching(/^net1:b{12}~[0-9a-f]{19}\/net1 masquerade 10\.1\.0\.3\/24$/),
        expect.stringMatching(/^net1:b{12}~[0-9a-f]{19}\/net1 spoof-check veth2 02:00:00:00:00:02$/),
      ]);
      expect(g1.fw.retain(g1.id)).toBe(0);
      // Same container id, other ifname: not kept.
      const g2 = gc([{ containerId: long, ifname: "eth0" }]);
      expect(g2.fw.retain(g2.id)).toBe(2);
      expect(rules(a.test.exec).filter((r) => r.table === "wasm-cni-bridge")).toEqual([]);
      const g3 = gc([]);
      expect(g3.fw.retain(g3.id)).toBe(0);
      expect(outside()).toEqual(before);
      expect(other.fw.list(other.id)).toEqual([{ tag: "masquerade", val: "10.9.0.2/24" }]);
      for (const c of [g1, g2, g3]) c.close();
    } finally {
      one.close();
      two.close();
      other.close();
    }
  });

  it("retain with an empty list removes all of the network's rules, then the chain and table they leave empty; with no table it removes nothing", () => {
    const a = freshNs();
    const one = caps(a.test.path, "ptp", "ctr1");
    const two = caps(a.test.path, "ptp", "ctr2");
    const gc = caps(a.test.path, "ptp", "", "", new Journal(false), { command: "GC", valid: [] });
    try {
      expect(gc.fw.retain(gc.id)).toBe(0);
      one.fw.ensureMasquerade(one.id, "10.1.0.2/24");
      two.fw.ensureMasquerade(two.id, "10.1.0.3/24");
      expect(gc.fw.retain(gc.id)).toBe(2);
      expect(rules(a.test.exec)).toEqual([]);
      expect(a.test.exec("nft", ["list", "tables"])).not.toContain("inet wasm-cni-ptp"); // the chain and table they left empty went too
    } finally {
      one.close();
      two.close();
      gc.close();
    }
  });

  it("retain outside GC is denied and audited; in a GC without cni.dev/valid-attachments it is invalid; neither removes a rule", () => {
    const a = freshNs();
    const one = caps(a.test.path, "ptp", "ctr1");
    const noList = caps(a.test.path, "ptp", "", "", new Journal(false), { command: "GC" });
    try {
      one.fw.ensureMasquerade(one.id, "10.1.0.2/24");
      for (const command of ["ADD", "DEL", "CHECK"] as const) {
        const c = caps(a.test.path, "ptp", "ctr2", "eth0", new Journal(false), { command, valid: [] });
        expect(() => c.fw.retain(c.id)).toThrow(expect.objectContaining({
          payload: { tag: "denied", val: `plugin "ptp" may call firewall.retain only during GC, not ${command}` },
        }));
        expect(c.ctx.records.at(-1)).toMatchObject({ fn: "firewall.retain", outcome: expect.stringMatching(/^denied: /) });
        c.close();
      }
      expect(() => noList.fw.retain(noList.id)).toThrow(expect.objectContaining({
        payload: { tag: "invalid", val: 'field "cni.dev/valid-attachments" is required' },
      }));
      expect(rules(a.test.exec).map((r) => r.comment)).toEqual(["net1:ctr1/eth0 masquerade 10.1.0.2/24"]);
    } finally {
      one.close();
      noList.close();
    }
  });

  it("a plugin's tables are shared by its networks: remove and retain on one network leave another's rules of the same attachment", () => {
    const a = freshNs();
    const onA = caps(a.test.path, "bridge", "ctr1", "eth0", new Journal(false), { network: "net-a" });
    const onB = caps(a.test.path, "bridge", "ctr1", "eth0", new Journal(false), { network: "net-b" });
    const gcA = caps(a.test.path, "bridge", "", "", new Journal(false), { network: "net-a", command: "GC", valid: [] });
    try {
      for (const c of [onA, onB]) c.fw.ensureSpoofCheck(c.id, { ifname: "veth1", mac: "02:00:00:00:00:01" });
      onA.fw.ensureMasquerade(onA.id, "10.1.0.2/24");
      onB.fw.ensureMasquerade(onB.id, "10.1.0.3/24");
      const ofB = () => rules(a.test.exec).filter((r) => r.comment?.startsWith("net-b:"));
      const b = ofB();
      expect(b.map((r) => r.comment)).toEqual(["net-b:ctr1/eth0 spoof-check veth1 02:00:00:00:00:01", "net-b:ctr1/eth0 masquerade 10.1.0.3/24"]);
      expect(onA.fw.list(onA.id)).toEqual([
        { tag: "masquerade", val: "10.1.0.2/24" }, { tag: "spoof-check", val: { ifname: "veth1", mac: "02:00:00:00:00:01" } },
      ]);

      onA.fw.remove(onA.id);
      expect(rules(a.test.exec)).toEqual(b);
      onA.fw.ensureMasquerade(onA.id, "10.1.0.2/24");
      expect(gcA.fw.retain(gcA.id)).toBe(1);
      expect(rules(a.test.exec)).toEqual(b);
      expect(onB.fw.list(onB.id)).toHaveLength(2);
    } finally {
      onA.close();
      onB.close();
      gcA.close();
    }
  });

  it("ensure-spoof-check in the host netns: only a link in scope, else denied and audited", () => {
    const a = freshNs();
    const ip = (...args: string[]) => a.test.exec("ip", args);
    ip("link", "add", "victim0", "type", "veth", "peer", "name", "victim1"); // the host's own link
    ip("link", "add", "own0", "type", "veth", "peer", "name", "own1");
    ip("link", "set", "own0", "alias", "wasm-cni:bridge"); // made by this plugin (scope.ts)
    ip("link", "add", "named0", "type", "veth", "peer", "name", "named1"); // named by its config
    const { fw, id, ctx, close } = caps(a.test.path, "bridge", "ctr1", "eth0", new Journal(false), { host: true, config: JSON.stringify({ bridge: "named0" }) });
    try {
      const e = (() => {
        try {
          fw.ensureSpoofCheck(id, { ifname: "victim0", mac: "02:00:00:00:00:01" });
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(CapError);
      expect((e as CapError).payload).toEqual({ tag: "denied", val: expect.stringContaining('may not add a spoof check on host link victim0') });
      expect(ctx.records.at(-1)).toEqual(expect.objectContaining({ fn: "firewall.ensure-spoof-check", outcome: expect.stringMatching(/^denied: /) }));
      expect(rules(a.test.exec)).toEqual([]);

      fw.ensureSpoofCheck(id, { ifname: "own0", mac: "02:00:00:00:00:02" });
      fw.ensureSpoofCheck(id, { ifname: "named0", mac: "02:00:00:00:00:03" });
      expect(fw.list(id).map((r) => r.tag === "spoof-check" && r.val.ifname)).toEqual(["own0", "named0"]);
      // Outside the host netns (a container's), any interface name, as before.
      const c = freshNs();
      const cont = caps(c.test.path, "bridge");
      try {
        cont.fw.ensureSpoofCheck(cont.id, { ifname: "anything0", mac: "02:00:00:00:00:04" });
        expect(cont.fw.list(cont.id)).toHaveLength(1);
      } finally {
        cont.close();
      }
    } finally {
      close();
    }
  });
});
