import { describe, expect, it } from "vitest";
import { parseMessages } from "../../../../host/kernel/nl/message";
import { encodeRequest } from "../../../../host/kernel/nl/message";
import { stringAttr } from "../../../../host/kernel/nl/attr";
import { IFLA, ifInfoMsg, linkType, parseLink } from "../../../../host/kernel/rtnl/ifinfo";
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
      master: 0,
      peer: 2,
      alias: "",
      operstate: "down",
      parentDev: "",
      parentBus: "",
    });
    expect(linkType(msg!)).toBe(1); // ARPHRD_ETHER
  });

  it("parseLink reads the device under a link and its bus (IFLA_PARENT_DEV_NAME, _BUS_NAME), as host-device matches them", () => {
    const attrs = [stringAttr(IFLA.IFNAME, "enp0s31f6"), stringAttr(IFLA.PARENT_DEV_NAME, "0000:00:1f.6"), stringAttr(IFLA.PARENT_DEV_BUS_NAME, "pci")];
    const bytes = encodeRequest({ type: RTM.NEWLINK, flags: 0, body: ifInfoMsg({ index: 2 }), attrs }, 1);
    const link = parseLink(parseMessages(bytes)[0]!);
    expect([link.name, link.parentDev, link.parentBus]).toEqual(["enp0s31f6", "0000:00:1f.6", "pci"]);
  });

  it("ifInfoMsg lays out family, index, flags and change", () => {
    const hex = Buffer.from(ifInfoMsg({ family: 7, index: 5, flags: 1, change: 1 })).toString("hex");
    expect(hex).toBe("07000000" + "05000000" + "01000000" + "01000000");
  });
});
