// Guest tests of static's config reading (guest-plugins/static/config.ts): addresses from the
// config, CNI_ARGS IP= and GATEWAY=, args.cni.ips and runtimeConfig.ips replacing them, routes,
// dns, and the errors (code 7 naming the field, 4 for CNI_ARGS, 999 for 0.2.0 with two per family).
import { Request, Tuple2, CniError } from "@wasm-cni/sdk";
import { loadConfig, StaticConfig } from "../config";
import { expectStr, expectInt, expectTrue } from "../../../test/sdk/expect.as";

function request(ipam: string, extra: string = "", args: Array<Tuple2<string, string>> = [], version: string = "1.0.0"): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"" + version + "\",\"name\":\"net1\",\"type\":\"macvlan\"" + extra + ",\"ipam\":" + ipam + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  r.args = args;
  return r;
}

function load(ipam: string, extra: string = "", args: Array<Tuple2<string, string>> = []): StaticConfig {
  const r = loadConfig(request(ipam, extra, args));
  assert(r.isOk, "config " + ipam + ": " + (r.isOk ? "" : r.error.msg + " " + r.error.details));
  return r.value;
}

function fails(ipam: string, extra: string = "", args: Array<Tuple2<string, string>> = [], version: string = "1.0.0"): CniError {
  const r = loadConfig(request(ipam, extra, args, version));
  assert(r.isErr, "config " + ipam + " should fail");
  return r.error;
}

function describe(c: StaticConfig): string {
  const parts: string[] = [];
  for (let i = 0; i < c.addresses.length; i++) {
    const a = c.addresses[i];
    const gw = a.gateway;
    parts.push(a.address.toString() + (gw != null ? " gw " + gw.toString() : ""));
  }
  return parts.join(", ");
}

function arg(k: string, v: string): Tuple2<string, string> {
  return new Tuple2<string, string>(k, v);
}

export function addresses_routes_and_dns_come_from_the_ipam_object(): void {
  const c = load("{\"type\":\"static\",\"addresses\":[{\"address\":\"10.10.0.5/24\",\"gateway\":\"10.10.0.1\"},{\"address\":\"fd10::5/64\"}]," +
    "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.9.0.0/16\",\"gw\":\"10.10.0.254\"}],\"dns\":{\"nameservers\":[\"10.10.0.53\"],\"domain\":\"example.com\"}}");
  expectStr(describe(c), "10.10.0.5/24 gw 10.10.0.1, fd10::5/64", "addresses keep their host bits");
  expectInt(c.routes.length, 2, "routes");
  expectStr(c.routes[1].gw!.toString(), "10.10.0.254", "route gw");
  expectStr(c.dns.nameservers.join(","), "10.10.0.53", "dns nameservers");
  expectStr(c.dns.domain, "example.com", "dns domain");
}

export function cni_args_ip_appends_and_gateway_goes_to_the_address_that_holds_it(): void {
  const c = load("{\"type\":\"static\",\"addresses\":[{\"address\":\"10.10.0.5/24\"}]}", "",
    [arg("IgnoreUnknown", "1"), arg("IP", "10.20.0.5/16, fd20::5/64"), arg("GATEWAY", "10.20.0.1,fd20::1")]);
  expectStr(describe(c), "10.10.0.5/24, 10.20.0.5/16 gw 10.20.0.1, fd20::5/64 gw fd20::1", "appended, gateways matched by subnet");
}

export function args_cni_ips_and_runtime_config_ips_replace_the_addresses_runtime_config_last(): void {
  const ipam = "{\"type\":\"static\",\"addresses\":[{\"address\":\"10.10.0.5/24\",\"gateway\":\"10.10.0.1\"}]}";
  expectStr(describe(load(ipam, ",\"args\":{\"cni\":{\"ips\":[\"10.30.0.5/24\"]}}")), "10.30.0.5/24", "args.cni.ips");
  expectStr(describe(load(ipam, ",\"args\":{\"cni\":{\"ips\":[\"10.30.0.5/24\"]}},\"runtimeConfig\":{\"ips\":[\"10.40.0.5/24\",\"fd40::5/64\"]}")),
    "10.40.0.5/24, fd40::5/64", "runtimeConfig.ips wins");
  expectStr(describe(load(ipam, ",\"runtimeConfig\":{\"ips\":[]}")), "10.10.0.5/24 gw 10.10.0.1", "an empty list replaces nothing");
}

export function bad_fields_fail_with_code_7_naming_each(): void {
  const e = fails("{\"type\":\"static\",\"addresses\":[{\"address\":\"10.10.0.5\"},{\"address\":\"fd10::5/64\",\"gateway\":\"x\"}]}");
  expectInt(e.code, 7, "code");
  expectTrue(e.details.includes("ipam.addresses[0].address"), "names the address: " + e.details);
  expectTrue(e.details.includes("ipam.addresses[1].gateway"), "names the gateway: " + e.details);
  const noIpam = loadConfig(withoutIpam());
  expectInt(noIpam.error.code, 7, "no ipam");
  expectTrue(noIpam.error.details.includes("\"ipam\" is required"), "names ipam: " + noIpam.error.details);
  const ips = fails("{\"type\":\"static\"}", ",\"runtimeConfig\":{\"ips\":[\"10.40.0.5\"]}");
  expectTrue(ips.details.includes("runtimeConfig.ips[0]"), "names the runtime ip: " + ips.details);
}

function withoutIpam(): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"static\"}";
  return r;
}

export function a_malformed_cni_args_value_fails_with_code_4(): void {
  expectInt(fails("{\"type\":\"static\"}", "", [arg("IP", "10.1.0.5")]).code, 4, "IP without prefix");
  expectInt(fails("{\"type\":\"static\"}", "", [arg("IP", "10.1.0.5/24"), arg("GATEWAY", "nope")]).code, 4, "bad gateway");
}

export function version_0_2_0_takes_one_address_per_family(): void {
  const two = "{\"type\":\"static\",\"addresses\":[{\"address\":\"10.10.0.5/24\"},{\"address\":\"10.11.0.5/24\"}]}";
  const e = fails(two, "", [], "0.2.0");
  expectInt(e.code, 999, "code");
  expectStr(e.msg, "CNI version 0.2.0 does not support more than 1 address per family", "msg");
  assert(loadConfig(request(two, "", [], "0.3.1")).isOk, "0.3.1 takes two");
  assert(loadConfig(request("{\"type\":\"static\",\"addresses\":[{\"address\":\"10.10.0.5/24\"},{\"address\":\"fd::5/64\"}]}", "", [], "0.2.0")).isOk, "one per family");
}
