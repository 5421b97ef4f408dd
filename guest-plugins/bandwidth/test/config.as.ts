// Guest tests of bandwidth's config (guest-plugins/bandwidth/config.ts): where the entry comes
// from (top level over runtimeConfig.bandwidth, as Go's getBandwidth), the bytes tbf gets, and
// Go's ifb name.
import { Request, CniErrorCode } from "@wasm-cni/sdk";
import { loadConfig, ifbName } from "../config";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

function request(keys: string): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"bandwidth\"" + keys + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  return r;
}

export function no_keys_is_zero(): void {
  const c = loadConfig(request(""));
  expectTrue(c.isOk && c.value.isZero, "no entry");
}

export function rates_and_bursts_become_bytes_as_go_divides_them(): void {
  const c = loadConfig(request(",\"ingressRate\":10000007,\"ingressBurst\":80001"));
  expectTrue(c.isOk, "ok");
  expectInt(<i64>c.value.ingress.rateBytes, 1250000, "rate / 8, rounded down");
  expectInt(c.value.ingress.burstBytes, 10000, "burst / 8, rounded down");
  expectFalse(c.value.egress.isSet, "egress not set");
}

export function the_top_level_entry_wins_over_runtimeConfig(): void {
  const c = loadConfig(request(",\"egressRate\":8000,\"egressBurst\":800,\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":16000,\"ingressBurst\":1600}}"));
  expectTrue(c.isOk, "ok");
  expectFalse(c.value.ingress.isSet, "runtimeConfig's ingress is not used");
  expectInt(<i64>c.value.egress.rateBytes, 1000, "top-level egress");
  const rc = loadConfig(request(",\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":16000,\"ingressBurst\":1600}}"));
  expectTrue(rc.isOk, "ok");
  expectInt(<i64>rc.value.ingress.rateBytes, 2000, "runtimeConfig's when the top level has none");
}

export function every_bad_field_is_listed_in_one_code_7(): void {
  const c = loadConfig(request(",\"ingressRate\":1000,\"egressBurst\":\"x\",\"shapedSubnets\":[\"10.0.0.0/8\"]"));
  expectTrue(c.isErr, "refused");
  expectInt(c.error.code, CniErrorCode.INVALID_NETWORK_CONFIG, "code 7");
  const all = c.error.msg + " " + c.error.details;
  expectTrue(all.includes("ingressBurst"), "ingressBurst named: " + all);
  expectTrue(all.includes("egressBurst"), "egressBurst named: " + all);
  expectTrue(all.includes("shapedSubnets"), "shapedSubnets named: " + all);
}

export function empty_subnet_lists_are_accepted(): void {
  expectTrue(loadConfig(request(",\"unshapedSubnets\":[],\"shapedSubnets\":[]")).isOk, "empty lists ask for nothing");
}

export function the_ifb_is_named_as_go_names_it(): void {
  // ("bwp" + sha512("net1ctr1").hex)[:15], as utils.MustFormatHashWithPrefix.
  expectStr(ifbName("net1", "ctr1"), "bwp85373d34c684", "net1/ctr1");
  expectInt(ifbName("a-long-network-name", "a-long-container-id").length, 15, "15 bytes (IFNAMSIZ)");
}
