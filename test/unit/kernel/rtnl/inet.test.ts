import { describe, expect, it } from "vitest";
import { formatCidr, formatIp, parseCidr, parseIp } from "../../../../host/kernel/rtnl/inet";

const v6 = (text: string): string => formatIp(parseIp(text).bytes);

describe("rtnl/inet", () => {
  it("parseIp reads IPv4 and IPv6 text into bytes", () => {
    expect(parseIp("10.1.0.2")).toEqual({ family: 4, bytes: Uint8Array.of(10, 1, 0, 2) });
    expect(parseIp("fd00::2")).toMatchObject({ family: 6 });
    expect(Array.from(parseIp("::ffff:10.0.0.1").bytes.subarray(10))).toEqual([0xff, 0xff, 10, 0, 0, 1]);
  });

  it.each(["", "10.1.0", "10.1.0.256", "01.1.1.1", "1.2.3.4.5", "fd00:::1", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "g::1", "::1/64"])(
    "parseIp throws EINVAL for %j",
    (text) => {
      expect(() => parseIp(text)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    },
  );

  it.each([
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group stays
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["fe80:0:0:0:0:0:0:0", "fe80::"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"], // the longest run wins
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["fd00:0:0:0::0002", "fd00::2"],
  ])("formatIp writes %s as %s (RFC 5952)", (text, canonical) => {
    expect(v6(text)).toBe(canonical);
  });

  it("parseCidr keeps host bits and formatCidr writes them back", () => {
    const c = parseCidr("10.1.0.2/24");
    expect(c).toMatchObject({ family: 4, prefix: 24 });
    expect(formatCidr(c.bytes, c.prefix)).toBe("10.1.0.2/24");
    expect(formatCidr(parseCidr("FD00::0:2/64").bytes, 64)).toBe("fd00::2/64");
    expect(parseCidr("0.0.0.0/0").prefix).toBe(0);
  });

  it.each(["10.1.0.2", "10.1.0.2/33", "fd00::/129", "10.1.0.2/-1", "10.1.0.2/2a", "10.1.0.2/"])("parseCidr throws EINVAL for %j", (text) => {
    expect(() => parseCidr(text)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});
