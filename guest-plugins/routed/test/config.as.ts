// Guest tests of routed's config and the result it gives the pod (guest-plugins/routed/config.ts):
// mtu bounds and ipam.type as code 7 naming the field; each IPAM address as a /32 (/128) with
// its family's link-local gateway, a default route per family, IPAM's other routes via it.
import { Request, CniResult, IPNet, IP } from "@wasm-cni/sdk";
import { loadConfig, routedResult } from "../config";
import { expectStr, expectInt, expectTrue } from "../../../test/sdk/expect.as";

function request(extra: string): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"routed\",\"ipam\":{\"type\":\"host-local\"}" + extra + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  return r;
}

function fails(extra: string, text: string): void {
  const r = loadConfig(request(extra));
  expectTrue(r.isErr && r.error.code == 7 && r.error.details.includes(text), extra + " fails with code 7 saying " + text + (r.isErr ? " (" + r.error.details + ")" : ""));
}

export function mtu_is_0_or_68_to_65535(): void {
  expectInt(loadConfig(request("")).value.mtu, 0, "absent");
  expectInt(loadConfig(request(",\"mtu\":68")).value.mtu, 68, "68");
  expectInt(loadConfig(request(",\"mtu\":65535")).value.mtu, 65535, "65535");
  fails(",\"mtu\":67", "field \"mtu\" is 67, must be 0 (the kernel's default) or between 68 and 65535");
  fails(",\"mtu\":65536", "field \"mtu\" is 65536");
  fails(",\"mtu\":\"x\"", "field \"mtu\"");
}

export function ipam_type_is_required(): void {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"routed\",\"ipam\":{}}";
  const c = loadConfig(r);
  expectTrue(c.isErr && c.error.code == 7 && c.error.details.includes("field \"ipam.type\" is required"), "ipam.type");
}

function ipamResult(): CniResult {
  const r = new CniResult();
  r.addIP(IPNet.parse("10.244.1.5/24")!, IP.parse("10.244.1.1"));
  r.addIP(IPNet.parse("fd44::5/80")!, IP.parse("fd44::1"));
  r.addRoute(IPNet.parse("0.0.0.0/0")!);
  r.addRoute(IPNet.parse("10.96.0.0/12")!, IP.parse("10.244.1.254"));
  r.addRoute(IPNet.parse("fd96::/108")!).mtu = 1400;
  return r;
}

export function addresses_become_host_prefixes_with_link_local_gateways(): void {
  const r = routedResult(ipamResult());
  expectInt(r.ips.length, 2, "two addresses");
  expectStr(r.ips[0].address.toString(), "10.244.1.5/32", "v4 /32");
  expectStr(r.ips[0].gateway!.toString(), "169.254.1.1", "v4 gateway");
  expectStr(r.ips[1].address.toString(), "fd44::5/128", "v6 /128");
  expectStr(r.ips[1].gateway!.toString(), "fe80::1", "v6 gateway");
}

export function a_default_per_family_then_ipams_other_routes_via_the_gateway(): void {
  const r = routedResult(ipamResult());
  expectInt(r.routes.length, 4, "two defaults, two IPAM routes (its default dropped)");
  expectStr(r.routes[0].dst.toString() + " " + r.routes[0].gw!.toString(), "0.0.0.0/0 169.254.1.1", "v4 default");
  expectStr(r.routes[1].dst.toString() + " " + r.routes[1].gw!.toString(), "::/0 fe80::1", "v6 default");
  expectStr(r.routes[2].dst.toString() + " " + r.routes[2].gw!.toString(), "10.96.0.0/12 169.254.1.1", "its own gateway replaced");
  expectStr(r.routes[3].dst.toString() + " " + r.routes[3].gw!.toString(), "fd96::/108 fe80::1", "v6 route");
  expectInt(r.routes[3].mtu, 1400, "route mtu kept");
}

export function an_ipv4_only_result_gets_no_ipv6_default(): void {
  const i = new CniResult();
  i.addIP(IPNet.parse("10.244.1.5/24")!, null);
  i.addRoute(IPNet.parse("fd96::/108")!);
  const r = routedResult(i);
  expectInt(r.routes.length, 1, "only the IPv4 default: a v6 route without a v6 address is dropped");
  expectStr(r.routes[0].dst.toString(), "0.0.0.0/0", "v4 default");
}
