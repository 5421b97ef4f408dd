import { describe, expect, it } from "vitest";
import { HostBytes, LIFTED_ELEMENT_BYTES } from "../../../host/runtime/host-bytes";
import { createGuestStringDecoder } from "../../../host/runtime/guest-strings";
import { LimitError } from "../../../host/runtime/limits";

describe("HostBytes", () => {
  it("counts what it is given and throws a maxHostBytes LimitError past the limit, naming the plugin", () => {
    const b = new HostBytes(100);
    b.take("main", 60, "a string");
    b.take("ipam", 40, "a string");
    expect(() => b.take("ipam", 1, "a string")).toThrow(LimitError);
    expect(() => b.take("ipam", 1, "a string")).toThrow(/plugin "ipam" made the host take more than its limit of maxHostBytes 100 \(100 B\) in one call/);
  });

  it("counts a list's elements at least LIFTED_ELEMENT_BYTES each, before anything is lifted", () => {
    const b = new HostBytes(10 * LIFTED_ELEMENT_BYTES);
    b.takeList("p", 10, 1);
    expect(() => b.takeList("p", 1, 1)).toThrow(/a list of 1 elements/);
    expect(() => new HostBytes(1_000).takeList("p", 10, 200)).toThrow(LimitError);
  });
});

describe("the guest string decoder's budget", () => {
  it("counts every string checked and every list, against the budget shared by decoders of one call", () => {
    const budget = new HostBytes(1_000);
    const main = createGuestStringDecoder("main", 600, budget);
    const ipam = createGuestStringDecoder("ipam", 600, budget);
    main.check(500);
    expect(() => ipam.check(501)).toThrow(/plugin "ipam" .*maxHostBytes 1000/);
    expect(() => main.checkList!(100_000, 16)).toThrow(/maxHostBytes/);
  });

  it("decode() of a string already checked counts nothing again", () => {
    const budget = new HostBytes(10);
    const d = createGuestStringDecoder("p", 10, budget);
    d.check(10);
    expect(d.decode(new TextEncoder().encode("0123456789"))).toBe("0123456789");
  });
});
