import { describe, expect, it } from "vitest";
import { parseDoneMessage, parseErrorMessage } from "../../../../host/kernel/nl/ack";
import { parseMessages } from "../../../../host/kernel/nl/message";
import { DUMP_ADDR_V6, GET_LINK_MISSING, GET_LINK_VETH, ROUTE_ONLINK_WITHOUT_DEV } from "./captures";

const first = (hex: string) => parseMessages(new Uint8Array(Buffer.from(hex, "hex")))[0]!;

describe("nl/ack", () => {
  it("parseErrorMessage reads a success ack as errno 0", () => {
    expect(parseErrorMessage(first(GET_LINK_VETH.datagrams[1]!))).toEqual({ errno: 0, message: "", offset: undefined });
  });

  it("parseErrorMessage reads ENODEV from a capped error without TLVs", () => {
    expect(parseErrorMessage(first(GET_LINK_MISSING.datagrams[0]!))).toMatchObject({ errno: 19, message: "" });
  });

  it("parseErrorMessage reads the extended ack text after the capped header", () => {
    expect(parseErrorMessage(first(ROUTE_ONLINK_WITHOUT_DEV.datagrams[0]!))).toMatchObject({
      errno: 19,
      message: "Nexthop device required for onlink",
    });
  });

  it("parseErrorMessage skips the whole echoed request when the error is not capped", () => {
    // Rebuild the captured error as a kernel without NETLINK_CAP_ACK sends it: full request echoed.
    const req = Buffer.from(ROUTE_ONLINK_WITHOUT_DEV.request, "hex");
    const orig = Buffer.from(ROUTE_ONLINK_WITHOUT_DEV.datagrams[0]!, "hex");
    const tlvs = orig.subarray(16 + 4 + 16);
    const payload = Buffer.concat([orig.subarray(16, 20), req, tlvs]);
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32LE(16 + payload.length, 0);
    hdr.writeUInt16LE(2, 4);
    hdr.writeUInt16LE(0x200, 6);
    const msg = first(Buffer.concat([hdr, payload]).toString("hex"));
    expect(parseErrorMessage(msg)).toMatchObject({ errno: 19, message: "Nexthop device required for onlink" });
  });

  it("parseDoneMessage reads a clean end of dump as errno 0", () => {
    const done = parseMessages(new Uint8Array(Buffer.from(DUMP_ADDR_V6.datagrams[0]!, "hex"))).at(-1)!;
    expect(parseDoneMessage(done).errno).toBe(0);
  });
});
