import { describe, expect, it } from "vitest";
import { stringAttr } from "../../../../host/kernel/nl/attr";
import { NLM_F, NLMSG } from "../../../../host/kernel/nl/header";
import { encodeRequest, parseMessages } from "../../../../host/kernel/nl/message";
import { ifInfoMsg } from "../../../../host/kernel/rtnl/ifinfo";
import { DUMP_ADDR_V6, GET_LINK_VETH } from "./captures";

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"));

describe("nl/message", () => {
  it("encodeRequest produces the bytes of the captured RTM_GETLINK request", () => {
    const req = { type: 18, flags: NLM_F.REQUEST | NLM_F.ACK, body: ifInfoMsg(), attrs: [stringAttr(3, "veth0")] };
    expect(Buffer.from(encodeRequest(req, 1)).toString("hex")).toBe(GET_LINK_VETH.request);
  });

  it("parseMessages splits a dump datagram into its messages and the DONE", () => {
    const msgs = parseMessages(bytes(DUMP_ADDR_V6.datagrams[0]!));
    expect(msgs.map((m) => m.header.type)).toEqual([20, 20, NLMSG.DONE]);
    expect(msgs.every((m) => m.header.seq === 4 && (m.header.flags & NLM_F.MULTI) !== 0)).toBe(true);
    expect(msgs.map((m) => m.payload.length)).toEqual([72 - 16, 80 - 16, 4]);
  });

  it("parseMessages reads the link reply and the ack from separate datagrams", () => {
    const [link] = parseMessages(bytes(GET_LINK_VETH.datagrams[0]!));
    const [ack] = parseMessages(bytes(GET_LINK_VETH.datagrams[1]!));
    expect(link?.header).toMatchObject({ type: 16, len: 1496, seq: 1 });
    expect(ack?.header).toMatchObject({ type: NLMSG.ERROR, seq: 1 });
  });

  it("parseMessages ignores a message whose length runs past the datagram", () => {
    const d = bytes(DUMP_ADDR_V6.datagrams[0]!).slice(0, 100);
    expect(parseMessages(d).length).toBe(1);
  });
});
