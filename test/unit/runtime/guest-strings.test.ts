import { describe, expect, it } from "vitest";
import { createGuestStringDecoder, GuestStringError } from "../../../host/runtime/guest-strings";
import { LimitError } from "../../../host/runtime/limits";

describe("guest string decoder", () => {
  const decoder = createGuestStringDecoder("p", 8);

  it("decodes valid UTF-8 up to the limit", () => {
    expect(decoder.decode(new TextEncoder().encode("héllo"))).toBe("héllo");
    expect(decoder.decode(new Uint8Array(0))).toBe("");
  });

  it("refuses a string over the limit from its length alone, before decoding", () => {
    const view = new Uint8Array(9);
    view[0] = 0xff; // invalid too: the size is checked first
    expect(() => decoder.decode(view)).toThrow(LimitError);
    expect(() => decoder.decode(view)).toThrow(/string of 9 bytes .*maxStringBytes 8/);
  });

  it.each([
    ["a lone continuation byte", [0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["an overlong slash", [0xc0, 0xaf]],
  ])("refuses %s instead of replacing it", (_, bytes) => {
    expect(() => decoder.decode(new Uint8Array(bytes))).toThrow(GuestStringError);
  });
});
