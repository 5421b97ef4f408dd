// sbr in a chain after bridge, run as libcni runs a conflist, ours (dist/cni-bin) and Go's
// (/usr/lib/cni, v1.1.1) on the same list: after ADD the container has the same rules and the
// same IPv4 routes in every table; after DEL of the chain it is as a fresh netns is, and its
// address is released.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { attachment, bridgePlugin, conflist, GO_BIN, netns, network, OURS, reservations, runnerFor } from "./compliance-fixture";
import { ipJson, type TestNetns } from "../helpers/netns";

/** Rules of both families and the IPv4 routes of every table (IPv6's hold link-local addresses, which differ per MAC). */
function dump(c: TestNetns) {
  return {
    rules4: ipJson(c, ["-4", "rule", "show"]), rules6: ipJson(c, ["-6", "rule", "show"]), routes4: ipJson(c, ["-4", "route", "show", "table", "all"]),
  };
}

describe("sbr after bridge", () => {
  it("ours and Go's leave the same rules and routes after ADD, and a container as fresh as before after DEL", () => {
    const base = network("sbr");
    const after: Record<string, unknown> = {};
    for (const [impl, bin] of [["ours", OURS], ["go", GO_BIN]] as const) {
      // The same network and subnet, each with its own IPAM state: both containers get .2.
      const net = { ...base, dataDir: mkdtempSync(join(tmpdir(), `cni-compliance-sbr-${impl}-`)) };
      const host = netns("h"), c = netns("c");
      const fresh = dump(c);
      const { runner, calls } = runnerFor(bin, host, net);
      const list = conflist(net, "1.0.0", [bridgePlugin(net), { type: "sbr" }]);
      const r = runner.add(list, attachment(c));
      expect(calls.map((x) => `${x.command} ${x.plugin}`)).toEqual(["ADD bridge", "ADD sbr"]);
      expect(r).toEqual(calls[0]!.out.json); // sbr passes the bridge's result on
      after[impl] = dump(c);
      expect(c.exec("ip", ["-4", "rule", "show", "table", "100"]).trim()).toBe(`32765:\tfrom ${net.prefix}2 lookup 100`);
      expect(c.exec("ip", ["-4", "route", "show", "table", "100"]).trim().split("\n").map((l) => l.trim())).toEqual([
        `default via ${net.prefix}1 dev eth0`, `${net.prefix}0/24 dev eth0 proto kernel scope link src ${net.prefix}2`,
      ]);
      runner.del(list, attachment(c));
      expect(dump(c)).toEqual(fresh);
      expect(reservations(net)).toEqual([]);
    }
    expect(after.ours).toEqual(after.go);
  });
});
