// Guest tests of guest-plugins/sdk/ipam: ranges and range sets from a config, routes, and the
// valid attachments of GC.
import {
  parseJson, ObjectReader, readRange, readRangeSet, readRangeSets, checkRangeSetsDisjoint, rangeSetToString,
  readRoutes, readValidAttachments, hasAttachment, IPRange,
} from "@wasm-cni/sdk";
import { expectStr, expectInt, expectTrue } from "./expect.as";

function reader(json: string): ObjectReader {
  const p = parseJson(json);
  assert(p.isOk, "json " + json);
  return ObjectReader.root(p.value);
}

export function a_range_gets_host_local_defaults(): void {
  const r = reader("{\"subnet\":\"10.1.0.0/24\"}");
  const v4 = readRange(r)!;
  expectStr(v4.toString() + " gw " + v4.gateway.toString(), "10.1.0.1-10.1.0.254 gw 10.1.0.1", "v4 defaults");
  const v6 = readRange(reader("{\"subnet\":\"fd00::/120\",\"rangeStart\":\"fd00::10\",\"gateway\":\"fd00::fe\"}"))!;
  expectStr(v6.toString() + " gw " + v6.gateway.toString(), "fd00::10-fd00::ff gw fd00::fe", "v6 keeps the last address");
  expectTrue(r.errors.ok, "no problems");
}

export function a_bad_range_records_the_problem_at_its_path(): void {
  const r = reader("{\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeEnd\":\"10.1.0.2\",\"rangeStart\":\"10.1.0.9\"}]]}");
  const set = readRangeSet(r.array("ranges")!.arrayAt(0)!);
  expectTrue(set == null, "bad set");
  expectStr(r.errors.toString(), "field \"ranges[0][0]\" is invalid: RangeStart 10.1.0.9 is after RangeEnd 10.1.0.2", "start after end");
}

export function a_range_set_holds_one_family_without_overlaps(): void {
  const r = reader("{\"s\":[{\"subnet\":\"10.1.0.0/24\"},{\"subnet\":\"fd00::/64\"},{\"subnet\":\"10.1.0.0/25\"},{\"subnet\":\"10.2.0.0/24\"}]}");
  expectTrue(readRangeSet(r.array("s")!) == null, "bad set");
  expectStr(r.errors.toString(),
    "field \"s[1]\" must be of the address family of the set's first range; " +
    "field \"s[2]\" overlaps \"s[0]\" (10.1.0.1-10.1.0.126 and 10.1.0.1-10.1.0.254)", "family and overlap");
  const ok = reader("{\"s\":[[{\"subnet\":\"10.1.0.0/24\"},{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"fd00::/64\"}]]}");
  const sets = readRangeSets(ok.array("s")!);
  expectInt(sets.length, 2, "two sets");
  expectStr(rangeSetToString(sets[0]), "10.1.0.1-10.1.0.254,10.2.0.1-10.2.0.254", "set text as Go's RangeSet.String");
  checkRangeSetsDisjoint(sets, ["s[0]", "s[1]"], ok.errors);
  expectTrue(ok.errors.ok, "v4 and v6 sets never overlap");
}

export function overlapping_range_sets_are_recorded_on_the_later_one(): void {
  const r = reader("{\"s\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"10.1.0.128/25\"}]]}");
  const sets: IPRange[][] = readRangeSets(r.array("s")!);
  checkRangeSetsDisjoint(sets, ["s[0]", "s[1]", "s[2]"], r.errors);
  expectStr(r.errors.toString(), "field \"s[2]\" overlaps range set \"s[0]\" (10.1.0.1-10.1.0.254)", "overlap");
  const empty = reader("{\"s\":[]}");
  expectTrue(readRangeSet(empty.array("s")!) == null, "empty set");
  expectStr(empty.errors.toString(), "field \"s\" must not be empty: a range set holds at least one range", "empty");
}

export function routes_are_read_with_every_field(): void {
  const r = reader("{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\",\"mtu\":1400,\"priority\":5,\"table\":100,\"scope\":0}," +
    "{\"dst\":\"fd00::/8\"},{\"dst\":\"10.0.0.0/8\",\"scope\":300},{\"gw\":\"10.1.0.1\"},\"x\"]}");
  const routes = readRoutes(r);
  expectInt(routes.length, 3, "three with a dst");
  expectStr(routes[0].dst.toString() + " via " + routes[0].gw!.toString(), "0.0.0.0/0 via 10.1.0.1", "first");
  expectInt(routes[0].mtu, 1400, "mtu");
  expectInt(routes[0].table, 100, "table");
  expectInt(routes[0].scope, 0, "scope 0 is kept");
  expectInt(routes[1].table, -1, "no table");
  expectTrue(routes[1].gw == null, "no gw");
  expectStr(r.errors.toString(),
    "field \"routes[2].scope\" must be a route scope from 0 to 255; field \"routes[3].dst\" is required; " +
    "field \"routes[4]\" must be an object", "problems");
  expectInt(readRoutes(reader("{}")).length, 0, "absent is none");
}

export function valid_attachments_are_read_for_gc(): void {
  const r = reader("{\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"},{\"containerID\":\"b\",\"ifname\":\"net1\"}]}");
  const list = readValidAttachments(r)!;
  expectInt(list.length, 2, "two");
  expectTrue(hasAttachment(list, "b", "net1"), "has b/net1");
  expectTrue(!hasAttachment(list, "b", "eth0"), "not b/eth0");
  const missing = reader("{}");
  expectTrue(readValidAttachments(missing) == null, "absent");
  expectStr(missing.errors.toString(), "field \"cni.dev/valid-attachments\" is required", "required");
  const bad = reader("{\"cni.dev/valid-attachments\":[{\"containerID\":\"a\"}]}");
  expectTrue(readValidAttachments(bad) == null, "malformed");
  expectStr(bad.errors.toString(),
    "field \"cni.dev/valid-attachments[0]\" must be an object with string fields \"containerID\" and \"ifname\"", "malformed message");
}
