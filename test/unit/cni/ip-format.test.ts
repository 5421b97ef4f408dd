import { expect, test } from "vitest";
import { goFamily, ipFamily, isCidr } from "../../../host/cni/ip-format";

test.each(["10.1.0.2/24", "0.0.0.0/0", "10.0.0.0/32", "fd00::2/64", "::/0", "::1/128", "::ffff:10.0.0.1/96"])(
  "%s is a CIDR",
  (s) => expect(isCidr(s)).toBe(true),
);

test.each(["10.1.0.2", "10.1.0.2/33", "fd00::1/129", "10.1.0.2/", "/24", "10.1.0/24", "10.1.0.2/024", "10.1.0.2/-1", "default", "fe80::1%eth0/64"])(
  "%s is not a CIDR",
  (s) => expect(isCidr(s)).toBe(false),
);

test.each([
  ["10.0.0.1", 4],
  ["fd00::1", 6],
  ["::ffff:1.2.3.4", 6],
  ["fe80::1%eth0", 0],
  ["10.0.0", 0],
  ["", 0],
] as const)("ipFamily(%j) is %i", (s, family) => expect(ipFamily(s)).toBe(family));

test.each([
  ["10.0.0.1", 4],
  ["10.0.0.0/8", 4],
  ["::ffff:10.0.0.1", 4],
  ["::ffff:10.0.0.0/104", 4],
  ["::ffff:a00:1/128", 4],
  ["fd00::1/64", 6],
  ["::1", 6],
  ["::fffe:10.0.0.1", 6],
] as const)("goFamily(%j) is %i, as Go's To4 says", (s, family) => expect(goFamily(s)).toBe(family));
