import { describe, expect, it } from "vitest";
import { attrLen, bytesAttr, NLA_F_NESTED, nestedAttr, parseAttrs, stringAttr, u16Attr, u32Attr, u8Attr, writeAttr } from "../../../../host/kernel/nl/attr";

function encode(...attrs: Parameters<typeof writeAttr>[2][]): string {
  const buf = new Uint8Array(attrs.reduce((n, a) => n + ((attrLen(a) + 3) & ~3), 0));
  let off = 0;
  for (const a of attrs) off = writeAttr(buf, off, a);
  return Buffer.from(buf).toString("hex");
}

describe("nl/attr", () => {
  it("encodes leaf attributes with an unpadded length and zero padding", () => {
    expect(encode(u8Attr(0x10, 6))).toBe("050010000600" + "0000");
    expect(encode(u16Attr(2, 0x1234))).toBe("060002003412" + "0000");
    expect(encode(u32Attr(4, 1400))).toBe("08000400" + "78050000");
    expect(encode(stringAttr(3, "veth0"))).toBe("0a000300" + "7665746830" + "00" + "0000");
  });

  it("encodes a nest with the padded lengths of its children", () => {
    const nest = nestedAttr(18, [stringAttr(1, "veth"), nestedAttr(2, [u8Attr(7, 1)])]);
    expect(attrLen(nest)).toBe(4 + 12 + 12);
    expect(encode(nest)).toBe("1c001200" + "0900010076657468000000" + "00" + "0c000200" + "05000700010000" + "00");
  });

  it("encodes data before children, as VETH_INFO_PEER carries an ifinfomsg then attributes", () => {
    const peer = nestedAttr(1, [stringAttr(3, "p")], new Uint8Array(16));
    expect(attrLen(peer)).toBe(4 + 16 + 8);
    expect(encode(peer).slice(8, 40)).toBe("00".repeat(16));
    expect(encode(peer).slice(40)).toBe("0600030070000000");
  });

  it("sends NLA_F_NESTED when the type carries it and masks it off when parsing", () => {
    const hex = encode(nestedAttr(12 | NLA_F_NESTED, [u8Attr(4, 1)]));
    expect(hex.slice(0, 8)).toBe("0c000c80");
    const parsed = parseAttrs(Buffer.from(hex, "hex"));
    expect(parsed.nested(12)?.u8(4)).toBe(1);
  });

  it("parses what it encodes: integers, strings without the NUL, repeated types", () => {
    const buf = Buffer.from(encode(u32Attr(4, 9000), stringAttr(3, "br0"), bytesAttr(1, Uint8Array.of(2, 0, 0, 0, 0, 1)), u16Attr(9, 7), u16Attr(9, 8)), "hex");
    const a = parseAttrs(buf);
    expect(a.u32(4)).toBe(9000);
    expect(a.string(3)).toBe("br0");
    expect(Array.from(a.get(1) ?? [])).toEqual([2, 0, 0, 0, 0, 1]);
    expect(a.all(9).map((v) => v[0])).toEqual([7, 8]);
    expect(a.has(5)).toBe(false);
    expect(a.u32(5)).toBeUndefined();
  });

  it("stops at a truncated attribute instead of reading past the buffer", () => {
    const buf = Buffer.from("08000400780500000c000300ab", "hex");
    const a = parseAttrs(buf);
    expect(a.entries.length).toBe(1);
    expect(a.u32(4)).toBe(1400);
  });
});
