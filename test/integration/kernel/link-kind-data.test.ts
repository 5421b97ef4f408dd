// The kind attributes parseLink reads from IFLA_INFO_DATA, against links the kernel made with
// `ip link add ... type macvlan mode X` and against what `ip -d -j link show` prints for them.
// This kernel has no ipvlan and no 8021q (DESIGN.md): their parsing is unit-tested in
// test/unit/kernel/rtnl/ifinfo.test.ts.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { linkAddBridge, linkByName, linkList } from "../../../host/kernel/rtnl/link";
import { ipJson } from "../../helpers/netns";
import { freshNs } from "./fixture";

interface IpDetail {
  ifname: string;
  linkinfo?: { info_kind?: string; info_data?: { mode?: string; vlan_filtering?: number } };
}

describe("link kind data", () => {
  it.each(["private", "vepa", "bridge", "source"] as const)("a macvlan made by ip in mode %s reads back with that mode, as ip -d shows it", (mode) => {
    const a = freshNs();
    execFileSync("ip", ["-n", a.test.name, "link", "add", "p0", "type", "veth", "peer", "name", "p1"]);
    execFileSync("ip", ["-n", a.test.name, "link", "add", "link", "p0", "name", "mv0", "type", "macvlan", "mode", mode]);
    const [shown] = ipJson<IpDetail[]>(a.test, ["-d", "link", "show", "mv0"]);
    expect(shown?.linkinfo?.info_data?.mode).toBe(mode);
    expect(linkByName(a.h, "mv0").data).toEqual({ macvlanMode: mode });
    expect(linkList(a.h).find((l) => l.name === "mv0")?.data).toEqual({ macvlanMode: mode });
  });

  it("a bridge reports VLAN filtering exactly when ip -d shows it (this kernel: never), and a veth reports nothing", () => {
    const a = freshNs();
    linkAddBridge(a.h, { name: "br0" });
    execFileSync("ip", ["-n", a.test.name, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    const [shown] = ipJson<IpDetail[]>(a.test, ["-d", "link", "show", "br0"]);
    const vf = shown?.linkinfo?.info_data?.vlan_filtering;
    expect(linkByName(a.h, "br0").data).toEqual(vf === undefined ? {} : { vlanFiltering: vf === 1 });
    expect(linkByName(a.h, "v0").data).toEqual({});
  });
});
