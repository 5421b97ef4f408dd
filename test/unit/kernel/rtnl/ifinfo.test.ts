import { describe, expect, it } from "vitest";
import { parseMessages } from "../../../../host/kernel/nl/message";
import { encodeRequest } from "../../../../host/kernel/nl/message";
import { type Attr, bytesAttr, nestedAttr, stringAttr, u16Attr, u32Attr, u8Attr } from "../../../../host/kernel/nl/attr";
import { IFLA, IFLA_INFO, ifInfoMsg, linkType, parseLink } from "../../../../host/kernel/rtnl/ifinfo";
import { RTM } from "../../../../host/kernel/rtnl/message-types";
import { GET_LINK_VETH } from "../nl/captures";

describe("rtnl/ifinfo", () => {
  it("parseLink reads the captured veth reply into a Link record", () => {
    const [msg] = parseMessages(new Uint8Array(Buffer.from(GET_LINK_VETH.datagrams[0]!, "hex")));
    expect(parseLink(msg!)).toEqual({
      index: 3,
      name: "veth0",
      kind: "veth",
      mtu: 1400,
      mac: "02:00:00:00:00:01",
      up: false,
      promisc: false,
      allmulti: false,
      txqlen: 1000,
      master: 0,
      peer: 2,
      alias: "",
      operstate: "down",
      parentDev: "",
      parentBus: "",
      data: {},
    });
    expect(linkType(msg!)).toBe(1); // ARPHRD_ETHER
  });

  it("parseLink reads the device under a link and its bus (IFLA_PARENT_DEV_NAME, _BUS_NAME), as host-device matches them", () => {
    const attrs = [stringAttr(IFLA.IFNAME, "enp0s31f6"), stringAttr(IFLA.PARENT_DEV_NAME, "0000:00:1f.6"), stringAttr(IFLA.PARENT_DEV_BUS_NAME, "pci")];
    const bytes = encodeRequest({ type: RTM.NEWLINK, flags: 0, body: ifInfoMsg({ index: 2 }), attrs }, 1);
    const link = parseLink(parseMessages(bytes)[0]!);
    expect([link.name, link.parentDev, link.parentBus]).toEqual(["enp0s31f6", "0000:00:1f.6", "pci"]);
  });

  it.each<[string, string, Attr[], object]>([
    // IFLA_INFO_DATA in the order the kernel's fill_info writes it (drivers/net/macvlan.c,
    // drivers/net/ipvlan/ipvlan_main.c, net/8021q/vlan_netlink.c, net/bridge/br_netlink.c).
    ["macvlan", "macvlan", [u32Attr(1, 1), u16Attr(2, 0), u32Attr(3, 0), u32Attr(7, 1000), u32Attr(8, 1000)], { macvlanMode: "private" }],
    ["macvlan passthru", "macvlan", [u32Attr(1, 8), u16Attr(2, 0)], { macvlanMode: "passthru" }],
    ["macvtap", "macvtap", [u32Attr(1, 2)], { macvlanMode: "vepa" }],
    ["ipvlan l3 private", "ipvlan", [u16Attr(1, 1), u16Attr(2, 1)], { ipvlanMode: "l3", ipvlanIsolation: "private" }],
    ["ipvlan l3s vepa", "ipvlan", [u16Attr(1, 2), u16Attr(2, 2)], { ipvlanMode: "l3s", ipvlanIsolation: "vepa" }],
    ["ipvlan l2 bridge", "ipvlan", [u16Attr(1, 0), u16Attr(2, 0)], { ipvlanMode: "l2", ipvlanIsolation: "bridge" }],
    // protocol 802.1Q (big-endian 0x8100), id 100, flags { REORDER_HDR, mask ~0 }
    ["vlan", "vlan", [bytesAttr(5, Uint8Array.of(0x81, 0x00)), u16Attr(1, 100), bytesAttr(2, Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff))], { vlanId: 100 }],
    ["vlan 4094", "vlan", [bytesAttr(5, Uint8Array.of(0x81, 0x00)), u16Attr(1, 4094)], { vlanId: 4094 }],
    ["bridge with VLAN filtering", "bridge", [u32Attr(1, 1500), u32Attr(2, 200), u8Attr(7, 1)], { vlanFiltering: true }],
    ["bridge without", "bridge", [u32Attr(1, 1500), u8Attr(7, 0)], { vlanFiltering: false }],
    ["bridge of a kernel without VLAN filtering", "bridge", [u32Attr(1, 1500)], {}],
    ["macvlan with an unknown mode", "macvlan", [u32Attr(1, 64)], {}],
    ["veth", "veth", [], {}],
  ])("parseLink reads the kind attributes of a %s from IFLA_INFO_DATA", (_, kind, data, want) => {
    const linkinfo = nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, kind, false), nestedAttr(IFLA_INFO.DATA, data)]);
    const bytes = encodeRequest({ type: RTM.NEWLINK, flags: 0, body: ifInfoMsg({ index: 4 }), attrs: [stringAttr(IFLA.IFNAME, "l0"), linkinfo] }, 1);
    const link = parseLink(parseMessages(bytes)[0]!);
    expect([link.kind, link.data]).toEqual([kind, want]);
  });

  it("parseLink reads no kind attributes from a link without IFLA_INFO_DATA", () => {
    const linkinfo = nestedAttr(IFLA.LINKINFO, [stringAttr(IFLA_INFO.KIND, "vlan", false)]);
    const bytes = encodeRequest({ type: RTM.NEWLINK, flags: 0, body: ifInfoMsg({ index: 4 }), attrs: [stringAttr(IFLA.IFNAME, "l0"), linkinfo] }, 1);
    expect(parseLink(parseMessages(bytes)[0]!).data).toEqual({});
  });

  it("ifInfoMsg lays out family, index, flags and change", () => {
    const hex = Buffer.from(ifInfoMsg({ family: 7, index: 5, flags: 1, change: 1 })).toString("hex");
    expect(hex).toBe("07000000" + "05000000" + "01000000" + "01000000");
  });
});
