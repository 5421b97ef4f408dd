// Guest tests of macvlan's config (guest-plugins/macvlan/config.ts) and the SDK's MAC helpers
// (guest-plugins/sdk/types/mac.ts): defaults, modes, the MAC's sources in Go's order, code 7.
import { Request, Tuple2, link, isMac } from "@wasm-cni/sdk";
import { loadConfig, MacvlanConf } from "../config";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

function request(extra: string, args: Array<Tuple2<string, string>> = []): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"mv\",\"type\":\"macvlan\"" + extra + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  r.args = args;
  return r;
}

function load(extra: string, args: Array<Tuple2<string, string>> = []): MacvlanConf {
  const r = loadConfig(request(extra, args));
  assert(r.isOk, "config " + extra + ": " + (r.isOk ? "" : r.error.details));
  return r.value;
}

export function defaults_are_bridge_mode_no_master_no_mtu_layer_2(): void {
  const c = load("");
  expectInt(<i64>c.mode, <i64>link.MacvlanMode.BRIDGE, "mode");
  expectStr(c.master, "", "master");
  expectInt(c.mtu, 0, "mtu");
  expectStr(c.net.ipamType, "", "no ipam");
  expectFalse(c.linkInContainer, "linkInContainer");
}

export function every_go_mode_reads_and_others_fail_with_code_7(): void {
  expectInt(<i64>load(",\"mode\":\"private\"").mode, <i64>link.MacvlanMode.PRIVATE, "private");
  expectInt(<i64>load(",\"mode\":\"vepa\"").mode, <i64>link.MacvlanMode.VEPA, "vepa");
  expectInt(<i64>load(",\"mode\":\"passthru\"").mode, <i64>link.MacvlanMode.PASSTHRU, "passthru");
  const r = loadConfig(request(",\"mode\":\"source\""));
  expectTrue(r.isErr && r.error.code == 7 && r.error.details.includes("\"mode\""), "source is refused as in Go");
}

export function the_mac_comes_from_config_then_cni_args_then_runtime_config(): void {
  expectStr(load(",\"mac\":\"0a:00:00:00:00:01\"").mac, "0a:00:00:00:00:01", "config");
  const args = [new Tuple2<string, string>("MAC", "0a:00:00:00:00:02")];
  expectStr(load(",\"mac\":\"0a:00:00:00:00:01\"", args).mac, "0a:00:00:00:00:02", "CNI_ARGS wins over config");
  expectStr(load(",\"runtimeConfig\":{\"mac\":\"0a:00:00:00:00:03\"}", args).mac, "0a:00:00:00:00:03", "runtimeConfig wins");
  const bad = loadConfig(request(",\"mac\":\"0a-00-00-00-00-01\""));
  expectTrue(bad.isErr && bad.error.details.includes("field \"mac\" must be a MAC address"), "dashes are not taken");
}

export function is_mac_takes_six_colon_separated_hex_pairs(): void {
  expectTrue(isMac("0A:58:0a:01:00:02"), "mixed case");
  expectFalse(isMac("0a:58:0a:01:00"), "five pairs");
  expectFalse(isMac("0a:58:0a:01:00:0g"), "not hex");
  expectFalse(isMac(""), "empty");
}

export function other_keys_are_read_with_their_types(): void {
  const c = load(",\"master\":\"eth1\",\"mtu\":1400,\"linkInContainer\":true,\"bcqueuelen\":100,\"ipam\":{\"type\":\"static\"}");
  expectStr(c.master, "eth1", "master");
  expectInt(c.mtu, 1400, "mtu");
  expectTrue(c.linkInContainer, "linkInContainer");
  expectInt(c.bcQueueLen, 100, "bcqueuelen");
  expectStr(c.net.ipamType, "static", "ipam.type");
  const r = loadConfig(request(",\"mtu\":\"x\""));
  expectTrue(r.isErr && r.error.code == 7 && r.error.details.includes("\"mtu\""), "mtu must be a number");
}
