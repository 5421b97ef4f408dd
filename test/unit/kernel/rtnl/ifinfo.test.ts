import { describe, expect, it } from "vitest";
import { parseMessages } from "../../../../host/kernel/nl/message";
import { ifInfoMsg, linkType, parseLink } from "../../../../host/kernel/rtnl/ifinfo";
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
    });
    expect(linkType(msg!)).toBe(1); // ARPHRD_ETHER
  });

  it("ifInfoMsg lays out family, index, flags and change", () => {
    const hex = Buffer.from(ifInfoMsg({ family: 7, index: 5, flags: 1, change: 1 })).toString("hex");
    expect(hex).toBe("07000000" + "05000000" + "01000000" + "01000000");
  });
});
