// Guest tests of guest-plugins/sdk/netip: parse and format, arithmetic, CIDR math; and host-local ranges (sdk/ipam).
import { IP, IPNet } from "../../guest-plugins/sdk/netip/index";
import { IPRange, RangeIter, rangeSetIndexOf, rangeSetsOverlap } from "../../guest-plugins/sdk/ipam/index";
import { expectStr, expectInt, expectTrue, expectFalse } from "./expect.as";

function ip(s: string): IP {
  const r = IP.parse(s);
  assert(r != null, "parse \"" + s + "\" returned null");
  return r!;
}

function net(s: string): IPNet {
  const r = IPNet.parse(s);
  assert(r != null, "parse CIDR \"" + s + "\" returned null");
  return r!;
}

function roundTrip(input: string, want: string): void {
  expectStr(ip(input).toString(), want, "format of " + input);
}

function rejects(s: string): void {
  assert(IP.parse(s) == null, "\"" + s + "\" should not parse");
}

export function ipv4_parses_and_formats_edge_addresses(): void {
  roundTrip("0.0.0.0", "0.0.0.0");
  roundTrip("255.255.255.255", "255.255.255.255");
  roundTrip("10.1.0.2", "10.1.0.2");
  expectInt(ip("10.1.0.2").toU32(), 0x0a010002, "value of 10.1.0.2");
  expectInt(ip("255.255.255.255").toU32(), 0xffffffff, "value of broadcast");
  expectTrue(ip("1.2.3.4").is4, "1.2.3.4 is v4");
  expectStr(IP.v4Bytes(192, 168, 1, 1).toString(), "192.168.1.1", "v4Bytes");
}

export function ipv4_rejects_malformed_text(): void {
  rejects("");
  rejects("1.2.3");
  rejects("1.2.3.4.5");
  rejects("256.1.1.1");
  rejects("1.2.3.04");
  rejects("01.2.3.4");
  rejects("1..2.3");
  rejects("1.2.3.4.");
  rejects(".1.2.3.4");
  rejects("1.2.3.-4");
  rejects(" 1.2.3.4");
  rejects("1.2.3.4 ");
  rejects("1.2.3.a");
  rejects("1234.1.1.1");
  rejects("1.2.3.4/24");
}

export function ipv6_formats_per_rfc_5952(): void {
  roundTrip("::", "::");
  roundTrip("::1", "::1");
  roundTrip("1::", "1::");
  roundTrip("FD00:0:0:0:0:0:0:1", "fd00::1");
  roundTrip("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"); // first of equal runs
  roundTrip("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"); // longest run wins
  roundTrip("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"); // one zero group is not compressed
  roundTrip("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329");
  roundTrip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  roundTrip("0:0:0:0:0:0:0:0", "::");
  roundTrip("1:0:0:0:0:0:0:0", "1::");
  roundTrip("0:0:0:0:0:0:0:1", "::1");
  roundTrip("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
  roundTrip("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
  roundTrip("::ffff:10.0.0.1", "::ffff:10.0.0.1");
  roundTrip("64:ff9b::192.0.2.33", "64:ff9b::c000:221");
  roundTrip("fe80::abcd:EF01", "fe80::abcd:ef01");
  expectFalse(ip("::1").is4, "::1 is v6");
}

export function ipv6_rejects_malformed_text(): void {
  rejects(":");
  rejects(":::");
  rejects("1:::2");
  rejects("1::2::3");
  rejects(":1::2");
  rejects("1::2:");
  rejects("1:2:3:4:5:6:7");
  rejects("1:2:3:4:5:6:7:8:9");
  rejects("1:2:3:4:5:6:7:8::");
  rejects("::1:2:3:4:5:6:7:8");
  rejects("12345::");
  rejects("g::1");
  rejects("fe80::1%eth0");
  rejects("::1.2.3");
  rejects("::1.2.3.4:5");
  rejects("1:2:3:4:5:6:7:1.2.3.4");
  rejects("::01.2.3.4");
}

export function ipv4_next_prev_and_add_stop_at_the_ends(): void {
  expectStr(ip("10.0.0.255").next()!.toString(), "10.0.1.0", "next carries into the next octet");
  expectStr(ip("10.0.1.0").prev()!.toString(), "10.0.0.255", "prev borrows");
  expectTrue(ip("255.255.255.255").next() == null, "no next after 255.255.255.255");
  expectTrue(ip("0.0.0.0").prev() == null, "no prev before 0.0.0.0");
  expectStr(ip("10.0.0.1").add(256)!.toString(), "10.0.1.1", "add 256");
  expectStr(ip("10.0.1.1").add(-257)!.toString(), "10.0.0.0", "add -257");
  expectTrue(ip("255.255.255.0").add(256) == null, "add past the end");
  expectTrue(ip("0.0.0.1").add(-2) == null, "add before zero");
  expectTrue(ip("0.0.0.0").add(i64.MAX_VALUE) == null, "add i64 max");
  expectTrue(ip("255.255.255.255").add(i64.MIN_VALUE) == null, "add i64 min");
  expectStr(ip("0.0.0.0").add(0xffffffff)!.toString(), "255.255.255.255", "add 2^32-1");
  const a = ip("1.2.3.4");
  expectTrue(a.inc() && a.toString() == "1.2.3.5", "inc in place");
  expectTrue(a.dec() && a.toString() == "1.2.3.4", "dec in place");
}

export function ipv6_next_carries_across_the_u64_halves(): void {
  expectStr(ip("::ffff:ffff:ffff:ffff").next()!.toString(), "0:0:0:1::", "next carries into hi");
  expectStr(ip("0:0:0:1::").prev()!.toString(), "::ffff:ffff:ffff:ffff", "prev borrows from hi");
  expectTrue(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next() == null, "no next after all-ones");
  expectTrue(ip("::").prev() == null, "no prev before ::");
  expectStr(ip("::").next()!.toString(), "::1", "next of ::");
  expectStr(ip("::ffff:ffff:ffff:fff0").add(0x20)!.toString(), "::1:0:0:0:10", "add carries (equal zero runs: the first is compressed)");
  expectStr(ip("::1:0:0:0:10").add(-0x20)!.toString(), "::ffff:ffff:ffff:fff0", "add borrows");
  expectTrue(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0").add(0x10) == null, "add overflows");
  expectTrue(ip("::5").add(-6) == null, "add underflows");
  expectStr(ip("1::").add(i64.MIN_VALUE)!.toString(), "0:ffff:ffff:ffff:8000::", "add i64 min");
}

export function addresses_compare_by_family_then_value(): void {
  expectInt(ip("10.0.0.1").compare(ip("10.0.0.2")), -1, "v4 less");
  expectInt(ip("10.0.0.2").compare(ip("10.0.0.1")), 1, "v4 greater");
  expectInt(ip("10.0.0.1").compare(ip("10.0.0.1")), 0, "v4 equal");
  expectInt(ip("255.255.255.255").compare(ip("::")), -1, "v4 before v6");
  expectInt(ip("1::").compare(ip("::ffff:ffff:ffff:ffff")), 1, "hi half decides");
  expectFalse(ip("0.0.0.0").equals(ip("::")), "0.0.0.0 is not ::");
  expectTrue(ip("127.0.0.9").isLoopback() && ip("::1").isLoopback(), "loopback");
  expectTrue(ip("0.0.0.0").isUnspecified() && ip("::").isUnspecified(), "unspecified");
  expectTrue(ip("224.0.0.1").isMulticast() && ip("ff02::1").isMulticast(), "multicast");
  expectTrue(ip("169.254.1.1").isLinkLocalUnicast() && ip("fe80::1").isLinkLocalUnicast(), "link-local");
  expectFalse(ip("fec0::1").isLinkLocalUnicast(), "fec0:: is not link-local");
}

export function addresses_convert_to_and_from_bytes(): void {
  const b = ip("fd00::102:304").toBytes();
  expectInt(b.length, 16, "v6 byte length");
  expectInt(b[0], 0xfd, "first byte");
  expectInt(b[15], 4, "last byte");
  expectStr(IP.fromBytes(b)!.toString(), "fd00::102:304", "v6 from bytes");
  expectStr(IP.fromBytes(ip("10.9.8.7").toBytes())!.toString(), "10.9.8.7", "v4 bytes round trip");
  expectTrue(IP.fromBytes([1, 2, 3]) == null, "3 bytes is no address");
}

export function cidr_parses_and_keeps_host_bits(): void {
  const n = net("10.1.0.5/16");
  expectStr(n.toString(), "10.1.0.5/16", "as given");
  expectStr(n.masked().toString(), "10.1.0.0/16", "masked");
  expectStr(n.network().toString(), "10.1.0.0", "network");
  expectStr(n.mask().toString(), "255.255.0.0", "mask");
  expectStr(n.last().toString(), "10.1.255.255", "broadcast");
  expectStr(n.gateway()!.toString(), "10.1.0.1", "gateway default");
  expectFalse(n.isNetwork(), "host bits set");
  expectTrue(net("10.1.0.0/16").isNetwork(), "network form");
  expectStr(net("fd00:1:2:3:4::1/64").masked().toString(), "fd00:1:2:3::/64", "v6 masked");
  expectStr(net("fd00::/64").mask().toString(), "ffff:ffff:ffff:ffff::", "v6 mask");
  expectStr(net("fd00::/64").last().toString(), "fd00::ffff:ffff:ffff:ffff", "v6 last");
  expectStr(net("fd00::/72").mask().toString(), "ffff:ffff:ffff:ffff:ff00::", "v6 /72 mask");
  expectStr(net("fd00::/56").last().toString(), "fd00::ff:ffff:ffff:ffff:ffff", "v6 /56 last");
}

export function cidr_handles_zero_and_full_prefixes(): void {
  expectStr(net("0.0.0.0/0").last().toString(), "255.255.255.255", "/0 last");
  expectStr(net("10.2.3.4/0").masked().toString(), "0.0.0.0/0", "/0 masked");
  expectStr(net("10.2.3.4/0").mask().toString(), "0.0.0.0", "/0 mask");
  expectTrue(net("0.0.0.0/0").contains(ip("255.255.255.255")), "/0 contains all v4");
  expectFalse(net("0.0.0.0/0").contains(ip("::")), "/0 v4 does not contain v6");
  expectStr(net("10.2.3.4/32").last().toString(), "10.2.3.4", "/32 last");
  expectStr(net("10.2.3.4/32").mask().toString(), "255.255.255.255", "/32 mask");
  expectTrue(net("10.2.3.4/32").contains(ip("10.2.3.4")), "/32 contains itself");
  expectFalse(net("10.2.3.4/32").contains(ip("10.2.3.5")), "/32 contains nothing else");
  expectStr(net("::/0").last().toString(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0 last");
  expectTrue(net("::/0").contains(ip("ffff::1")), "::/0 contains all v6");
  expectStr(net("fd00::7/128").last().toString(), "fd00::7", "/128 last");
  expectStr(net("fd00::7/128").mask().toString(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "/128 mask");
  expectFalse(net("fd00::7/128").contains(ip("fd00::8")), "/128 contains nothing else");
  expectStr(IPNet.host(ip("10.0.0.1")).toString(), "10.0.0.1/32", "host route v4");
  expectStr(IPNet.host(ip("::1")).toString(), "::1/128", "host route v6");
  expectTrue(IPNet.of(ip("10.0.0.1"), 33) == null, "of rejects /33");
}

export function cidr_rejects_malformed_text(): void {
  const bad = ["10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/08",
    "10.0.0.0/1a", "/24", "10.0.0/24", "10.0.0.0/24/1", "10.0.0.0/ 24", "fd00::/0064"];
  for (let i = 0; i < bad.length; i++) assert(IPNet.parse(bad[i]) == null, "\"" + bad[i] + "\" should not parse");
}

export function cidr_contains_and_overlaps(): void {
  const a = net("10.1.0.0/16");
  expectTrue(a.contains(ip("10.1.255.255")), "last address");
  expectFalse(a.contains(ip("10.2.0.0")), "next network");
  expectTrue(a.containsNet(net("10.1.4.0/24")), "contains a /24");
  expectFalse(a.containsNet(net("10.0.0.0/8")), "does not contain its supernet");
  expectTrue(a.overlaps(net("10.0.0.0/8")), "overlaps supernet");
  expectFalse(a.overlaps(net("10.2.0.0/16")), "no overlap with neighbour");
  expectFalse(a.overlaps(net("::/0")), "no overlap across families");
  expectTrue(net("fd00::/48").contains(ip("fd00:0:0:ffff::1")), "v6 contains");
  expectFalse(net("fd00::/48").contains(ip("fd00:0:1::1")), "v6 does not contain");
}

function range(subnet: string, start: string, end: string, gw: string): IPRange {
  const r = IPRange.canonicalize(net(subnet), start == "" ? null : ip(start), end == "" ? null : ip(end),
    gw == "" ? null : ip(gw));
  if (r.isErr) assert(false, "range " + subnet + ": " + r.error);
  return r.value;
}

function rangeError(subnet: string, start: string, end: string): string {
  const r = IPRange.canonicalize(net(subnet), start == "" ? null : ip(start), end == "" ? null : ip(end), null);
  assert(r.isErr, "range " + subnet + " should fail");
  return r.error;
}

export function range_defaults_follow_host_local(): void {
  const r = range("10.1.2.0/24", "", "", "");
  expectStr(r.toString(), "10.1.2.1-10.1.2.254", "v4 start and end skip network and broadcast");
  expectStr(r.gateway.toString(), "10.1.2.1", "v4 gateway");
  const r6 = range("fd00::/120", "", "", "");
  expectStr(r6.toString(), "fd00::1-fd00::ff", "v6 end is the last address");
  const r30 = range("10.0.0.0/30", "", "", "");
  expectStr(r30.toString(), "10.0.0.1-10.0.0.2", "/30");
  const given = range("10.1.0.0/16", "10.1.1.20", "10.1.3.50", "10.1.0.254");
  expectStr(given.toString(), "10.1.1.20-10.1.3.50", "explicit start and end");
  expectStr(given.gateway.toString(), "10.1.0.254", "explicit gateway");
  expectTrue(given.contains(ip("10.1.2.0")), "inside");
  expectFalse(given.contains(ip("10.1.1.19")), "before start");
  expectFalse(given.contains(ip("10.1.3.51")), "after end");
  expectFalse(given.contains(ip("fd00::1")), "other family");
}

export function range_errors_use_host_local_wording(): void {
  expectStr(rangeError("10.0.0.0/31", "", ""), "Network 10.0.0.0/31 too small to allocate from", "/31");
  expectStr(rangeError("10.0.0.0/32", "", ""), "Network 10.0.0.0/32 too small to allocate from", "/32");
  expectStr(rangeError("fd00::/127", "", ""), "Network fd00::/127 too small to allocate from", "/127");
  expectStr(rangeError("10.1.2.3/24", "", ""),
    "Network has host bits set. For a subnet mask of length 24 the network address is 10.1.2.0", "host bits");
  expectStr(rangeError("10.1.2.0/24", "10.1.3.1", ""), "RangeStart 10.1.3.1 not in network 10.1.2.0/24", "start");
  expectStr(rangeError("10.1.2.0/24", "", "10.1.3.1"), "RangeEnd 10.1.3.1 not in network 10.1.2.0/24", "end");
  expectStr(rangeError("10.1.2.0/24", "fd00::1", ""), "RangeStart fd00::1 not in network 10.1.2.0/24", "family");
  expectStr(rangeError("10.1.2.0/24", "10.1.2.9", "10.1.2.8"), "RangeStart 10.1.2.9 is after RangeEnd 10.1.2.8", "order");
}

function walk(it: RangeIter, max: i32): string {
  let out = "";
  for (let n = 0; n < max && it.next(); n++) out += (n > 0 ? " " : "") + it.current.toString();
  return out;
}

export function range_iterator_walks_round_robin_and_skips_the_gateway(): void {
  const set = [range("10.0.0.0/29", "", "", "")];
  expectStr(walk(new RangeIter(set), 100), "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6", "fresh walk");
  expectStr(walk(new RangeIter(set, ip("10.0.0.4")), 100), "10.0.0.5 10.0.0.6 10.0.0.2 10.0.0.3 10.0.0.4",
    "after the last reserved address, wrapping");
  expectStr(walk(new RangeIter(set, ip("10.9.9.9")), 100), "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6",
    "a last reserved address outside the set is ignored");
  const two = [range("10.0.0.0/30", "", "", ""), range("10.0.1.0/30", "", "", "")];
  expectStr(walk(new RangeIter(two, ip("10.0.0.2")), 100), "10.0.1.2 10.0.0.2", "across two ranges");
  expectInt(rangeSetIndexOf(two, ip("10.0.1.2")), 1, "index of range");
  expectInt(rangeSetIndexOf(two, ip("10.0.2.2")), -1, "no range");
  const only = [range("10.0.0.0/30", "10.0.0.1", "10.0.0.1", "")];
  expectStr(walk(new RangeIter(only), 100), "", "a range holding only the gateway yields nothing");
  expectStr(walk(new RangeIter([]), 100), "", "an empty set yields nothing");
  const v6 = [range("fd00::/126", "", "", "")];
  expectStr(walk(new RangeIter(v6), 100), "fd00::2 fd00::3", "v6 walk");
}

export function range_sets_detect_overlap(): void {
  const a = [range("10.0.0.0/24", "", "", ""), range("10.0.1.0/24", "", "", "")];
  const b = [range("10.0.1.0/24", "10.0.1.100", "10.0.1.200", "")];
  const c = [range("10.0.2.0/24", "", "", "")];
  expectTrue(rangeSetsOverlap(a, b), "b lies inside a");
  expectFalse(rangeSetsOverlap(a, c), "c is apart");
  expectFalse(rangeSetsOverlap(a, a), "a set's own ranges are apart");
  expectTrue(rangeSetsOverlap(a.concat(b), a.concat(b)), "a set with two overlapping ranges");
}
