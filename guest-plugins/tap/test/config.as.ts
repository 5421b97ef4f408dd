// Guest tests of tap's config (guest-plugins/tap/config.ts): defaults, owner and group by
// presence, vnet_hdr as Go sets it, the MAC's sources, and code 7 for what is unsupported.
import { Request, Tuple2 } from "@wasm-cni/sdk";
import { loadConfig, loadLax, TapConf } from "../config";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

function request(extra: string, args: Array<Tuple2<string, string>> = []): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"tap\",\"type\":\"tap\"" + extra + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  r.args = args;
  return r;
}

function load(extra: string, args: Array<Tuple2<string, string>> = []): TapConf {
  const r = loadConfig(request(extra, args));
  assert(r.isOk, "config " + extra + ": " + (r.isOk ? "" : r.error.details));
  return r.value;
}

function fails(extra: string, field: string): void {
  const r = loadConfig(request(extra));
  expectTrue(r.isErr && r.error.code == 7 && r.error.details.includes("\"" + field + "\""), extra + " fails with code 7 naming " + field);
}

export function defaults_are_one_queue_no_owner_no_group_layer_2(): void {
  const c = load("");
  expectFalse(c.multiQueue, "multiQueue");
  expectInt(c.owner, -1, "owner");
  expectInt(c.group, -1, "group");
  expectInt(c.mtu, 0, "mtu");
  expectStr(c.bridge, "", "bridge");
  expectStr(c.net.ipamType, "", "no ipam");
  expectFalse(c.vnetHdr, "vnet_hdr");
}

export function owner_and_group_count_when_present_even_as_0(): void {
  const c = load(",\"owner\":0,\"group\":0");
  expectInt(c.owner, 0, "owner 0 is root");
  expectInt(c.group, 0, "group 0");
  expectTrue(c.vnetHdr, "both given: Go's netlink path sets IFF_VNET_HDR");
  expectFalse(load(",\"owner\":0").vnetHdr, "owner alone: Go's ip tuntap path, no vnet_hdr");
  fails(",\"owner\":-1", "owner");
  fails(",\"group\":\"wheel\"", "group");
}

export function other_keys_are_read_with_their_types(): void {
  const c = load(",\"mtu\":9000,\"multiQueue\":true,\"bridge\":\"br0\",\"ipam\":{\"type\":\"static\"}");
  expectInt(c.mtu, 9000, "mtu");
  expectTrue(c.multiQueue, "multiQueue");
  expectStr(c.bridge, "br0", "bridge");
  expectStr(c.net.ipamType, "static", "ipam");
  fails(",\"multiQueue\":1", "multiQueue");
  fails(",\"bridge\":true", "bridge");
}

export function the_mac_comes_from_config_then_cni_args_then_runtime_config(): void {
  const args = [new Tuple2<string, string>("MAC", "0a:00:00:00:00:02")];
  expectStr(load(",\"mac\":\"0a:00:00:00:00:01\"").mac, "0a:00:00:00:00:01", "config");
  expectStr(load(",\"mac\":\"0a:00:00:00:00:01\"", args).mac, "0a:00:00:00:00:02", "CNI_ARGS wins");
  expectStr(load(",\"runtimeConfig\":{\"mac\":\"0a:00:00:00:00:03\"}", args).mac, "0a:00:00:00:00:03", "runtimeConfig wins");
  fails(",\"mac\":\"nope\"", "mac");
}

export function selinux_context_is_refused_in_both_spellings_but_not_on_del(): void {
  fails(",\"selinuxcontext\":\"system_u:system_r:container_t:s0\"", "selinuxcontext");
  fails(",\"selinuxContext\":\"system_u:system_r:container_t:s0\"", "selinuxContext");
  expectTrue(loadLax(request(",\"selinuxcontext\":\"x\"")).isOk, "DEL of such a config still succeeds");
}
