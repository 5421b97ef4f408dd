// Guest tests of guest-plugins/sdk/types: config parsing, results, IPAM result reading, errors.
import {
  parseNetConf, NetConf, parseResult, CniResult, CniErrorCode, FIRST_PLUGIN_ERROR_CODE,
  readCidr, optIP, cidrAt, CURRENT_VERSION, newCniError, internalError, tryAgainLaterError, pluginError,
  wrapCniError, cniErrorToJson, formatCniError,
} from "../../guest-plugins/sdk/types/index";
import { CniError } from "../../guest-plugins/sdk/bindings/types";
import { IP, IPNet } from "../../guest-plugins/sdk/netip/index";
import { parseJson, ObjectReader } from "../../guest-plugins/sdk/json/index";
import { expectStr, expectInt, expectTrue, expectFalse } from "./expect.as";

function conf(text: string): NetConf {
  const p = parseNetConf(text);
  if (p.isErr) assert(false, "config " + text + ": " + formatCniError(p.error));
  return p.value;
}

function confError(text: string): CniError {
  const p = parseNetConf(text);
  assert(p.isErr, "config should fail: " + text);
  return p.error;
}

function net(s: string): IPNet {
  return IPNet.parse(s)!;
}

const BRIDGE = "{\"cniVersion\":\"1.0.0\",\"name\":\"mynet\",\"type\":\"bridge\",\"bridge\":\"cni0\"," +
  "\"isGateway\":true,\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.1.0.0/16\"}]]}," +
  "\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"search\":[\"svc\"]},\"runtimeConfig\":{\"mac\":\"aa:bb:cc:dd:ee:ff\"}," +
  "\"args\":{\"cni\":{\"ips\":[\"10.1.0.9\"]}}}";

export function netconf_reads_the_common_keys(): void {
  const c = conf(BRIDGE);
  expectStr(c.cniVersion, "1.0.0", "cniVersion");
  expectStr(c.name, "mynet", "name");
  expectStr(c.type, "bridge", "type");
  expectStr(c.ipamType, "host-local", "ipam type");
  expectInt(c.ipam!.getArray("ranges")!.length, 1, "ipam kept raw");
  expectStr(c.dns.nameservers.join(","), "10.1.0.1", "dns nameservers");
  expectStr(c.dns.search.join(","), "svc", "dns search");
  expectStr(c.runtimeConfig!.getString("mac")!, "aa:bb:cc:dd:ee:ff", "runtimeConfig raw");
  expectTrue(c.args!.getObject("cni") != null, "args raw");
  expectTrue(c.prevResult == null, "no prevResult");
  expectStr(c.text, BRIDGE, "text kept for IPAM delegation");
}

export function netconf_lets_the_plugin_read_its_own_keys_and_reports_all_problems(): void {
  const c = conf(BRIDGE);
  const r = c.reader;
  expectStr(r.optString("bridge", "cni0"), "cni0", "bridge");
  expectTrue(r.optBool("isGateway"), "isGateway");
  expectInt(r.optU32("mtu", 1500), 1500, "mtu default");
  expectTrue(c.check().isOk, "no problems yet");
  r.optU32("bridge");
  const ipam = r.object("ipam")!;
  const ranges = ipam.array("ranges")!;
  const range0 = ranges.arrayAt(0)!.objectAt(0)!;
  readCidr(range0, "subnet");
  optIP(range0, "gateway");
  const e = c.check().error;
  expectInt(e.code, CniErrorCode.INVALID_NETWORK_CONFIG, "code 7");
  expectStr(e.msg, "invalid network configuration", "msg");
  expectStr(e.details, "field \"bridge\" must be an integer from 0 to 4294967295", "details");
}

export function netconf_names_bad_address_fields_by_path(): void {
  const c = conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.1.0.0/33\",\"gateway\":\"10.1.0.256\"},{\"subnet\":5}]],\"routes\":[\"x\"]}}");
  const ipam = c.reader.object("ipam")!;
  const set = ipam.array("ranges")!.arrayAt(0)!;
  for (let i = 0; i < set.length; i++) {
    const rg = set.objectAt(i)!;
    readCidr(rg, "subnet");
    optIP(rg, "gateway");
  }
  cidrAt(ipam.array("routes")!, 0);
  expectStr(c.check().error.details,
    "field \"ipam.ranges[0][0].subnet\" must be a CIDR such as \"10.1.0.0/16\"; " +
    "field \"ipam.ranges[0][0].gateway\" must be an IP address; " +
    "field \"ipam.ranges[0][1].subnet\" must be a string; " +
    "field \"ipam.routes[0]\" must be a CIDR such as \"10.1.0.0/16\"", "paths");
}

export function netconf_rejects_broken_json_with_code_6(): void {
  const e = confError("{\"cniVersion\":");
  expectInt(e.code, CniErrorCode.DECODE_FAILURE, "code 6");
  expectStr(e.msg, "failed to decode network configuration", "msg");
  expectStr(e.details, "invalid JSON at line 1, column 15: unexpected end of input", "details");
}

export function netconf_rejects_missing_and_mistyped_common_keys_with_code_7(): void {
  const e = confError("{\"cniVersion\":1,\"type\":\"bridge\",\"ipam\":[],\"dns\":{\"nameservers\":\"8.8.8.8\"},\"prevResult\":true}");
  expectInt(e.code, CniErrorCode.INVALID_NETWORK_CONFIG, "code 7");
  expectStr(e.details,
    "field \"cniVersion\" must be a string; field \"name\" is required; field \"ipam\" must be an object; " +
    "field \"dns.nameservers\" must be an array; field \"prevResult\" must be an object", "details");
  expectStr(confError("[]").details, "field \"(config)\" must be an object", "array config");
  expectTrue(conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"bridge\",\"ipam\":{}}").ipamType == "", "ipam {} is allowed");
}

export function result_json_has_the_spec_shape(): void {
  const r = new CniResult();
  const host = r.addInterface("cni0", "0a:58:0a:01:00:01");
  const ctr = r.addInterface("eth0", "0a:58:0a:01:00:05", "/var/run/netns/x");
  r.interfaces[ctr].mtu = 1450;
  expectInt(host, 0, "first interface index");
  r.addIP(net("10.1.0.5/16"), IP.parse("10.1.0.1"), ctr);
  r.addIP(net("fd00::5/64"), null);
  r.addRoute(net("0.0.0.0/0"), IP.parse("10.1.0.1"));
  const rt = r.addRoute(net("10.2.0.0/16"));
  rt.mtu = 1400; rt.advmss = 1360; rt.priority = 10; rt.table = 0; rt.scope = 253;
  r.dns.nameservers.push("10.1.0.1");
  r.dns.domain = "cluster.local";
  expectStr(r.toJson(),
    "{\"cniVersion\":\"" + CURRENT_VERSION + "\"," +
    "\"interfaces\":[{\"name\":\"cni0\",\"mac\":\"0a:58:0a:01:00:01\"}," +
    "{\"name\":\"eth0\",\"mac\":\"0a:58:0a:01:00:05\",\"mtu\":1450,\"sandbox\":\"/var/run/netns/x\"}]," +
    "\"ips\":[{\"interface\":1,\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\"},{\"address\":\"fd00::5/64\"}]," +
    "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}," +
    "{\"dst\":\"10.2.0.0/16\",\"mtu\":1400,\"advmss\":1360,\"priority\":10,\"table\":0,\"scope\":253}]," +
    "\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"cluster.local\"}}", "result JSON");
  expectStr(new CniResult().toJson(), "{\"cniVersion\":\"1.1.0\"}", "empty result");
  expectTrue(parseJson(r.toJson()).isOk, "result JSON parses");
}

const IPAM_RESULT = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\"}," +
  "{\"address\":\"fd00::5/64\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\",\"table\":100,\"scope\":0}]," +
  "\"dns\":{\"nameservers\":[\"10.1.0.1\"]}}";

export function ipam_result_is_read_and_round_trips(): void {
  const p = parseResult(IPAM_RESULT);
  if (p.isErr) assert(false, "ipam result: " + formatCniError(p.error));
  const r = p.value;
  expectStr(r.cniVersion, "1.0.0", "version");
  expectInt(r.ips.length, 2, "two ips");
  expectStr(r.ips[0].address.toString(), "10.1.0.5/16", "address keeps host bits");
  expectStr(r.ips[0].gateway!.toString(), "10.1.0.1", "gateway");
  expectTrue(r.ips[1].gateway == null, "no v6 gateway");
  expectInt(r.ips[0].interfaceIndex, -1, "IPAM results name no interface");
  expectInt(r.routes[1].table, 100, "table");
  expectInt(r.routes[1].scope, 0, "scope 0 is kept");
  expectInt(r.routes[0].scope, -1, "scope absent");
  expectStr(r.dns.nameservers[0], "10.1.0.1", "dns");
  // a plugin adds its interfaces and points the addresses at them
  const ctr = r.addInterface("eth0");
  for (let i = 0; i < r.ips.length; i++) r.ips[i].interfaceIndex = ctr;
  const again = parseResult(r.toJson());
  assert(again.isOk, "round trip");
  expectStr(again.value.toJson(), r.toJson(), "round trip is stable");
}

export function ipam_result_errors_name_the_bad_fields(): void {
  const bad = parseResult("{\"ips\":[{\"address\":\"10.1.0.5\"},{\"address\":\"10.1.0.6/24\",\"gateway\":\"x\",\"interface\":3}]," +
    "\"routes\":[{\"gw\":\"10.1.0.1\"},{\"dst\":\"::/0\",\"scope\":256}],\"interfaces\":[{}]}");
  expectTrue(bad.isErr, "bad result");
  expectInt(bad.error.code, CniErrorCode.INVALID_NETWORK_CONFIG, "code");
  expectStr(bad.error.details,
    "field \"interfaces[0].name\" is required; " +
    "field \"ips[0].address\" must be a CIDR such as \"10.1.0.0/16\"; " +
    "field \"ips[1].gateway\" must be an IP address; " +
    "field \"ips[1].interface\" must be the index of an entry of \"interfaces\"; " +
    "field \"routes[0].dst\" is required; " +
    "field \"routes[1].scope\" must be a route scope from 0 to 255", "details");
  const broken = parseResult("{");
  expectInt(broken.error.code, CniErrorCode.DECODE_FAILURE, "broken JSON is code 6");
}

export function prev_result_is_read_from_the_config(): void {
  const c = conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"portmap\",\"prevResult\":" + IPAM_RESULT + "}");
  const p = c.parsePrevResult();
  assert(p.isOk, "prevResult");
  expectInt(p.value.ips.length, 2, "prevResult ips");
  const none = conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"portmap\"}").parsePrevResult();
  expectStr(none.error.details, "must be called as a chained plugin: the config has no prevResult", "absent");
  const bad = conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"prevResult\":{\"ips\":[{\"address\":1}]}}").parsePrevResult();
  expectStr(bad.error.details, "field \"prevResult.ips[0].address\" must be a string", "path under prevResult");
}

export function cni_errors_carry_codes_and_write_spec_json(): void {
  expectInt(CniErrorCode.INCOMPATIBLE_VERSION, 1, "1");
  expectInt(CniErrorCode.UNSUPPORTED_FIELD, 2, "2");
  expectInt(CniErrorCode.UNKNOWN_CONTAINER, 3, "3");
  expectInt(CniErrorCode.INVALID_ENV, 4, "4");
  expectInt(CniErrorCode.IO_FAILURE, 5, "5");
  expectInt(CniErrorCode.DECODE_FAILURE, 6, "6");
  expectInt(CniErrorCode.INVALID_NETWORK_CONFIG, 7, "7");
  expectInt(CniErrorCode.TRY_AGAIN_LATER, 11, "11");
  expectInt(CniErrorCode.PLUGIN_NOT_AVAILABLE, 50, "50");
  expectInt(CniErrorCode.LIMITED_CONNECTIVITY, 51, "51");
  expectInt(CniErrorCode.INTERNAL, 999, "999");
  expectInt(pluginError(3, "x").code, FIRST_PLUGIN_ERROR_CODE + 3, "plugin code");
  expectInt(internalError("boom").code, 999, "internal");
  expectInt(tryAgainLaterError("busy").code, 11, "try again");
  const e = wrapCniError(newCniError(CniErrorCode.IO_FAILURE, "no \"disk\"", "line1\nline2"), "add 10.1.0.2/24 to eth0");
  expectStr(e.msg, "add 10.1.0.2/24 to eth0: no \"disk\"", "wrap keeps the code and adds context");
  expectStr(cniErrorToJson(e, "1.0.0"),
    "{\"cniVersion\":\"1.0.0\",\"code\":5,\"msg\":\"add 10.1.0.2/24 to eth0: no \\\"disk\\\"\",\"details\":\"line1\\nline2\"}", "JSON");
  expectStr(cniErrorToJson(internalError("x"), "1.1.0"), "{\"cniVersion\":\"1.1.0\",\"code\":999,\"msg\":\"x\"}", "no empty details");
  expectStr(formatCniError(e), "add 10.1.0.2/24 to eth0: no \"disk\"; line1\nline2", "toString");
}

export function reader_helpers_leave_absent_optional_addresses_alone(): void {
  const r = ObjectReader.root(parseJson("{\"gw\":null}").value);
  expectTrue(optIP(r, "gw") == null && optIP(r, "other") == null, "absent");
  expectTrue(r.errors.ok, "no problems for absent optional fields");
  expectTrue(readCidr(r, "dst") == null, "required");
  expectStr(r.errors.toString(), "field \"dst\" is required", "required recorded");
}
