// Guest tests of host-local's config reading (guest-plugins/host-local/config.ts): range sets in
// Go's order, requested addresses, and code 7 errors that name every bad field.
import { Request, Tuple2, CniErrorCode, CniError } from "@wasm-cni/sdk";
import { loadConfig, IpamConfig } from "../config";
import { rangeSetToString } from "@wasm-cni/sdk";
import { expectStr, expectInt } from "../../../test/sdk/expect.as";

function request(ipam: string, extra: string = "", args: Array<Tuple2<string, string>> = []): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"bridge\"" + extra + ",\"ipam\":" + ipam + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  r.args = args;
  return r;
}

function load(ipam: string, extra: string = "", args: Array<Tuple2<string, string>> = []): IpamConfig {
  const r = loadConfig(request(ipam, extra, args));
  assert(r.isOk, "config " + ipam + ": " + (r.isOk ? "" : r.error.details + r.error.msg));
  return r.value;
}

function fails(ipam: string, extra: string = "", args: Array<Tuple2<string, string>> = []): CniError {
  const r = loadConfig(request(ipam, extra, args));
  assert(r.isErr, "config should fail: " + ipam);
  return r.error;
}

function sets(c: IpamConfig): string {
  const out: string[] = [];
  for (let i = 0; i < c.ranges.length; i++) out.push(rangeSetToString(c.ranges[i]));
  return out.join(" | ");
}

export function legacy_keys_come_before_ranges_and_runtime_ranges_before_both(): void {
  const c = load("{\"type\":\"host-local\",\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.0.10\",\"ranges\":[[{\"subnet\":\"fd00::/64\"}]]," +
    "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}],\"dataDir\":\"/tmp/x\",\"resolvConf\":\"/etc/resolv.conf\"}",
    ",\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.9.0.0/24\",\"rangeEnd\":\"10.9.0.20\"}]]}");
  expectStr(sets(c), "10.9.0.1-10.9.0.20 | 10.1.0.10-10.1.0.254 | fd00::1-fd00::ffff:ffff:ffff:ffff", "order");
  expectStr(c.name, "net1", "network name");
  expectStr(c.dataDir, "/tmp/x", "dataDir");
  expectInt(c.routes.length, 2, "routes");
  expectStr(c.routes[1].gw!.toString(), "fd00::1", "route gw");
}

export function requested_addresses_come_from_cni_args_args_and_runtime_config(): void {
  const c = load("{\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"fd00::/64\"}]]}",
    ",\"args\":{\"cni\":{\"ips\":[\"fd00::9\"]}},\"runtimeConfig\":{\"ips\":[\"10.1.0.9/24\"]}",
    [new Tuple2<string, string>("IgnoreUnknown", "1"), new Tuple2<string, string>("IP", "10.1.0.7")]);
  expectInt(c.requested.length, 3, "three requested");
  expectStr(c.requested[0].toString() + " " + c.requested[1].toString() + " " + c.requested[2].toString(),
    "10.1.0.7 fd00::9 10.1.0.9", "CNI_ARGS first, then args, then runtimeConfig");
  const e = fails("{\"subnet\":\"10.1.0.0/24\"}", "", [new Tuple2<string, string>("IP", "10.1.0")]);
  expectInt(e.code, CniErrorCode.INVALID_ENV, "code 4 for a bad CNI_ARGS");
  expectStr(e.msg, "CNI_ARGS: IP must be an IP address such as \"10.1.0.5\", got \"10.1.0\"", "message");
}

export function a_missing_subnet_or_a_bad_cidr_is_code_7_naming_the_field(): void {
  let e = fails("{\"ranges\":[[{\"rangeStart\":\"10.1.0.5\"}]]}");
  expectInt(e.code, CniErrorCode.INVALID_NETWORK_CONFIG, "code 7");
  expectStr(e.msg, "invalid network configuration", "msg");
  expectStr(e.details, "field \"ipam.ranges[0][0].subnet\" is required", "missing subnet");
  e = fails("{\"subnet\":\"10.1.0.0/33\"}");
  expectStr(e.details, "field \"ipam.subnet\" must be a CIDR such as \"10.1.0.0/16\"", "bad CIDR");
  e = fails("{\"type\":\"host-local\"}");
  expectStr(e.details, "field \"ipam.ranges\" is required: no IP ranges specified (give \"ranges\" or \"subnet\")", "no ranges");
  expectStr(loadConfig(request("5")).error.details, "field \"ipam\" must be an object", "ipam not an object");
}

export function range_problems_use_host_local_wording(): void {
  expectStr(fails("{\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.2.0.5\"}]]}").details,
    "field \"ipam.ranges[0][0]\" is invalid: RangeStart 10.2.0.5 not in network 10.1.0.0/24", "rangeStart outside");
  expectStr(fails("{\"subnet\":\"10.1.0.5/24\"}").details,
    "field \"ipam\" is invalid: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.0.0", "host bits");
  expectStr(fails("{\"subnet\":\"10.1.0.0/31\"}").details,
    "field \"ipam\" is invalid: Network 10.1.0.0/31 too small to allocate from", "too small");
}

export function overlapping_range_sets_are_refused(): void {
  expectStr(fails("{\"ranges\":[[{\"subnet\":\"10.1.0.0/16\"}],[{\"subnet\":\"10.1.2.0/24\"}]]}").details,
    "field \"ipam.ranges[1]\" overlaps range set \"ipam.ranges[0]\" (10.1.0.1-10.1.255.254)", "sets overlap");
  expectStr(fails("{\"subnet\":\"10.1.0.0/24\",\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}]]}").details,
    "field \"ipam.ranges[0]\" overlaps range set \"ipam\" (10.1.0.1-10.1.0.254)", "legacy and ranges overlap");
}

export function every_problem_is_listed_at_once(): void {
  const e = fails("{\"dataDir\":\"var/lib\",\"routes\":[{\"gw\":\"10.1.0.1\"}],\"ranges\":[[{\"subnet\":\"x\"}],[]]}",
    ",\"runtimeConfig\":{\"ips\":[\"nope\"]}");
  expectStr(e.details,
    "field \"ipam.dataDir\" must be an absolute path without \".\" or \"..\" parts; " +
    "field \"ipam.routes[0].dst\" is required; " +
    "field \"ipam.ranges[0][0].subnet\" must be a CIDR such as \"10.1.0.0/16\"; " +
    "field \"ipam.ranges[1]\" must not be empty: a range set holds at least one range; " +
    "field \"runtimeConfig.ips[0]\" must be an IP address such as \"10.1.0.5\" or \"10.1.0.5/24\"", "all problems");
}
