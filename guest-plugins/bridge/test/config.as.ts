// Guest tests of bridge's config and gateway calculation (guest-plugins/bridge/config.ts and
// host-side.ts calcGateways): Go's keys and defaults, code 7 naming every bad field, and the
// gateways and default routes that isGateway and isDefaultGateway imply.
import { Request, Tuple2, CniErrorCode, CniResult, IPNet, IP, link, some } from "@wasm-cni/sdk";
import { loadConfig, BridgeConf, VlanRange, vlanGatewayName } from "../config";
import { calcGateways } from "../host-side";
import { portVlanMismatch, nativeVlan } from "../port-vlans";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

function request(keys: string, args: Array<Tuple2<string, string>> = []): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"bridge\"" + keys + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  r.args = args;
  return r;
}

function conf(keys: string): BridgeConf {
  const c = loadConfig(request(keys));
  assert(c.isOk, "config " + keys);
  return c.value;
}

export function defaults_are_gos(): void {
  const c = conf("");
  expectStr(c.bridge, "cni0", "bridge");
  expectFalse(c.isGateway || c.isDefaultGateway || c.ipMasq || c.hairpinMode || c.promiscMode, "flags off");
  expectInt(c.mtu, 0, "mtu");
  expectFalse(c.layer3, "no ipam: layer 2");
  expectFalse(conf(",\"ipam\":{}").layer3, "ipam without type: layer 2");
  expectTrue(conf(",\"ipam\":{\"type\":\"host-local\"}").layer3, "ipam type: layer 3");
}

export function isDefaultGateway_implies_isGateway(): void {
  const c = conf(",\"isDefaultGateway\":true");
  expectTrue(c.isGateway, "isGateway");
}

export function the_mac_comes_from_cni_args_then_args_then_runtimeConfig(): void {
  const args = [new Tuple2<string, string>("IgnoreUnknown", "1"), new Tuple2<string, string>("MAC", "0a:00:00:00:00:01")];
  expectStr(loadConfig(request("", args)).value.mac, "0a:00:00:00:00:01", "CNI_ARGS");
  const a = ",\"args\":{\"cni\":{\"mac\":\"0a:00:00:00:00:02\"}}";
  expectStr(loadConfig(request(a, args)).value.mac, "0a:00:00:00:00:02", "args.cni wins");
  const rc = ",\"runtimeConfig\":{\"mac\":\"0A:00:00:00:00:03\"}";
  expectStr(loadConfig(request(a + rc, args)).value.mac, "0A:00:00:00:00:03", "runtimeConfig wins");
}

export function every_bad_key_is_named_in_one_code_7(): void {
  const c = loadConfig(request(",\"mtu\":\"abc\",\"bridge\":\"a-name-of-16-byte\",\"hairpinMode\":true,\"promiscMode\":true,\"vlan\":4095,\"ipMasqBackend\":\"ebtables\""));
  expectTrue(c.isErr, "refused");
  expectInt(c.error.code, CniErrorCode.INVALID_NETWORK_CONFIG, "code 7");
  const d = c.error.details;
  expectTrue(d.includes("field \"mtu\""), "mtu: " + d);
  expectTrue(d.includes("field \"bridge\" must be an interface name"), "bridge: " + d);
  expectTrue(d.includes("field \"hairpinMode\" cannot be set together with promiscMode"), "hairpin: " + d);
  expectTrue(d.includes("field \"vlan\" must be a VLAN ID between 0 and 4094"), "vlan: " + d);
  expectTrue(d.includes("field \"ipMasqBackend\" must be \"iptables\" or \"nftables\""), "ipMasqBackend: " + d);
}

export function ipMasq_backends_and_macspoofchk_are_read(): void {
  const c = loadConfig(request(",\"ipMasq\":true,\"ipMasqBackend\":\"iptables\",\"macspoofchk\":true"));
  expectTrue(c.isOk, "accepted");
  expectTrue(c.value.ipMasq && c.value.macSpoofChk, "both on");
  expectTrue(loadConfig(request(",\"ipMasqBackend\":\"nftables\"")).isOk, "nftables");
}

export function disableContainerInterface_with_ipam_is_code_7(): void {
  const c = loadConfig(request(",\"disableContainerInterface\":true,\"ipam\":{\"type\":\"host-local\"}"));
  expectTrue(c.isErr, "refused");
  expectTrue(c.error.details.includes("field \"disableContainerInterface\" cannot be set when IPAM is used"), c.error.details);
}

function ipamResult(): CniResult {
  const r = new CniResult();
  r.addIP(IPNet.parse("10.1.0.5/24")!, null);
  r.addIP(IPNet.parse("fd00::5/64")!, IP.parse("fd00::fe"));
  return r;
}

export function isGateway_fills_in_the_subnet_gateway_and_returns_the_bridge_addresses(): void {
  const r = ipamResult();
  const gws = calcGateways(r, conf(",\"isGateway\":true"), 2);
  expectInt(gws.length, 2, "one per address");
  expectStr(gws[0].toString() + " " + gws[1].toString(), "10.1.0.1/24 fd00::fe/64", "gateway with the subnet prefix");
  expectStr(r.ips[0].gateway!.toString(), "10.1.0.1", "filled in");
  expectInt(r.ips[0].interfaceIndex, 2, "on the container interface");
  expectInt(r.routes.length, 0, "no routes without isDefaultGateway");
}

export function isDefaultGateway_adds_one_default_route_per_family_unless_ipam_gave_one(): void {
  const r = ipamResult();
  r.addRoute(IPNet.parse("0.0.0.0/0")!);
  calcGateways(r, conf(",\"isDefaultGateway\":true"), 2);
  expectInt(r.routes.length, 2, "IPAM's v4 default kept, a v6 one added");
  expectStr(r.routes[1].dst.toString() + " via " + r.routes[1].gw!.toString(), "::/0 via fd00::fe", "v6 default");
  const none = ipamResult();
  expectInt(calcGateways(none, conf(""), 2).length, 0, "no gateways without isGateway");
  expectTrue(none.ips[0].gateway == null, "no gateway filled in");
}

function refused(keys: string, needle: string): void {
  const c = loadConfig(request(keys));
  expectTrue(c.isErr, "refused: " + keys);
  expectInt(c.error.code, CniErrorCode.INVALID_NETWORK_CONFIG, "code 7: " + keys);
  expectTrue(c.error.details.includes(needle), needle + " in: " + c.error.details);
}

function ranges(c: BridgeConf): string {
  const out: string[] = [];
  for (let i = 0; i < c.vlanTrunk.length; i++) {
    const r: VlanRange = c.vlanTrunk[i];
    out.push(r.first == r.last ? r.first.toString() : r.first.toString() + "-" + r.last.toString());
  }
  return out.join(",");
}

export function without_vlans_the_bridge_does_not_filter_and_vlan_1_stays(): void {
  const c = conf("");
  expectInt(c.vlan, 0, "vlan");
  expectInt(c.vlanTrunk.length, 0, "trunk");
  expectTrue(c.preserveDefaultVlan, "preserveDefaultVlan defaults to true, as Go");
  expectFalse(c.vlanFiltering, "no filtering");
}

export function vlan_makes_an_access_port_on_a_filtering_bridge(): void {
  const c = conf(",\"vlan\":100,\"preserveDefaultVlan\":false");
  expectInt(c.vlan, 100, "vlan");
  expectTrue(c.vlanFiltering, "filtering");
  expectFalse(c.preserveDefaultVlan, "preserveDefaultVlan");
  expectInt(conf(",\"vlan\":4094").vlan, 4094, "4094 is the highest");
  expectFalse(conf(",\"vlan\":0").vlanFiltering, "vlan 0 is none");
}

export function vlanTrunk_ids_and_ranges_merge_into_sorted_ranges(): void {
  const c = conf(",\"vlanTrunk\":[{\"id\":300},{\"minID\":101,\"maxID\":200},{\"id\":201},{\"minID\":150,\"maxID\":160},{\"id\":5}]");
  expectStr(ranges(c), "5,101-201,300", "ranges");
  expectTrue(c.vlanFiltering, "filtering");
  expectStr(ranges(conf(",\"vlanTrunk\":[{\"minID\":1,\"maxID\":4094}]")), "1-4094", "all");
  const empty = conf(",\"vlanTrunk\":[]");
  expectInt(empty.vlanTrunk.length, 0, "empty trunk");
  expectTrue(empty.vlanFiltering, "an empty vlanTrunk still asks for filtering, as Go");
  expectInt(conf(",\"vlan\":7,\"vlanTrunk\":[]").vlan, 7, "vlan with an empty trunk is fine, as Go");
}

export function vlan_with_vlanTrunk_is_a_trunk_port_whose_native_vlan_is_vlan(): void {
  const c = conf(",\"vlan\":7,\"vlanTrunk\":[{\"id\":8},{\"minID\":5,\"maxID\":9}]");
  expectInt(c.vlan, 7, "vlan");
  expectStr(ranges(c), "5-9", "the trunk keeps the native id too");
  expectInt(nativeVlan(c), 7, "native: vlan, as Go since v1.8.0");
  expectInt(nativeVlan(conf(",\"vlanTrunk\":[{\"id\":8}]")), 1, "a trunk without vlan: VLAN 1 native, as Go");
  expectInt(nativeVlan(conf(",\"vlan\":7")), 7, "an access port");
  expectInt(nativeVlan(conf(",\"vlanTrunk\":[]")), 0, "an empty trunk: no port VLANs, as Go");
  expectInt(nativeVlan(conf("")), 0, "no VLANs");
}

export function bad_vlans_are_code_7_with_gos_reason(): void {
  refused(",\"vlan\":-1", "field \"vlan\" must be a VLAN ID between 0 and 4094");
  refused(",\"vlan\":4095", "field \"vlan\" must be a VLAN ID between 0 and 4094");
  refused(",\"vlan\":1.5", "field \"vlan\"");
  refused(",\"vlanTrunk\":[{\"id\":0}]", "field \"vlanTrunk[0].id\" incorrect trunk id parameter");
  refused(",\"vlanTrunk\":[{\"id\":4095}]", "field \"vlanTrunk[0].id\" incorrect trunk id parameter");
  refused(",\"vlanTrunk\":[{\"id\":2},{\"minID\":0,\"maxID\":5}]", "field \"vlanTrunk[1].minID\" incorrect trunk minID parameter");
  refused(",\"vlanTrunk\":[{\"minID\":5,\"maxID\":4095}]", "field \"vlanTrunk[0].maxID\" incorrect trunk maxID parameter");
  refused(",\"vlanTrunk\":[{\"minID\":9,\"maxID\":5}]", "field \"vlanTrunk[0].minID\" is greater than maxID");
  refused(",\"vlanTrunk\":[{\"maxID\":5}]", "field \"vlanTrunk[0].minID\" is missing: minID and maxID should be configured simultaneously");
  refused(",\"vlanTrunk\":[{\"minID\":5}]", "field \"vlanTrunk[0].maxID\" is missing");
  refused(",\"vlanTrunk\":[7]", "field \"vlanTrunk[0]\"");
  refused(",\"vlanTrunk\":{\"id\":5}", "field \"vlanTrunk\"");
  refused(",\"bridge\":\"br-long-name\",\"vlan\":4000,\"isGateway\":true", "field \"vlan\" with isGateway needs the gateway interface name <bridge>.<vlan> to be at most 15 bytes");
  refused(",\"preserveDefaultVlan\":\"no\"", "field \"preserveDefaultVlan\"");
}

export function vlan_with_isGateway_names_the_gateway_interface_bridge_dot_vlan(): void {
  const c = conf(",\"bridge\":\"br-tenchar\",\"vlan\":4000,\"isGateway\":true");
  expectStr(vlanGatewayName(c), "br-tenchar.4000", "15 bytes: accepted");
  expectTrue(c.isGateway && c.vlanFiltering, "a filtering bridge with a gateway");
}

function pv(id: u16, last: u16 = 0, pvid: bool = false, untagged: bool = false): link.PortVlan {
  const v = new link.PortVlan();
  v.id = id;
  if (last != 0) v.last = some<u16>(last);
  v.pvid = pvid;
  v.untagged = untagged;
  return v;
}

function mismatch(keys: string, have: link.PortVlan[]): string {
  const m = portVlanMismatch(conf(keys), have);
  return m == null ? "" : m!;
}

export function check_accepts_the_port_vlans_add_gave(): void {
  expectStr(mismatch(",\"vlan\":100,\"preserveDefaultVlan\":false", [pv(100, 0, true, true)]), "", "access port");
  expectStr(mismatch(",\"vlan\":100", [pv(1, 0, false, true), pv(100, 0, true, true)]), "", "VLAN 1 may stay when preserved");
  const trunk = ",\"vlanTrunk\":[{\"minID\":101,\"maxID\":103},{\"id\":300}],\"preserveDefaultVlan\":false";
  expectStr(mismatch(trunk, [pv(101), pv(102), pv(103), pv(300), pv(1, 0, true, true)]), "", "trunk, one entry per id, VLAN 1 native");
  expectStr(mismatch(trunk, [pv(1, 0, true, true), pv(101, 103), pv(300)]), "", "trunk, a range entry");
  const native = ",\"vlan\":150,\"vlanTrunk\":[{\"minID\":101,\"maxID\":200}],\"preserveDefaultVlan\":false";
  expectStr(mismatch(native, [pv(101, 149), pv(150, 0, true, true), pv(151, 200)]), "", "vlan inside the trunk: native");
  expectStr(mismatch(",\"vlan\":50,\"vlanTrunk\":[{\"id\":300}]", [pv(1, 0, false, true), pv(50, 0, true, true), pv(300)]), "", "vlan outside the trunk, VLAN 1 preserved");
}

export function check_names_a_missing_wrong_or_extra_vlan(): void {
  expectStr(mismatch(",\"vlan\":100", []), "does not carry the config's vid 100 pvid untagged", "missing (a kernel without VLAN filtering)");
  expectStr(mismatch(",\"vlan\":100", [pv(100)]), "carries vid 100, the config vid 100 pvid untagged", "tagged instead of the PVID");
  const trunk = ",\"vlanTrunk\":[{\"minID\":101,\"maxID\":103}],\"preserveDefaultVlan\":false";
  expectStr(mismatch(trunk, [pv(101), pv(103)]), "does not carry the config's vid 102", "a hole in the trunk");
  expectStr(mismatch(trunk, [pv(101, 103)]), "does not carry the config's vid 1 pvid untagged", "a trunk without its native VLAN 1");
  expectStr(mismatch(",\"vlan\":100,\"preserveDefaultVlan\":false", [pv(1, 0, false, true), pv(100, 0, true, true)]), "carries a vlan the config does not name: vid 1 untagged", "VLAN 1 not removed");
  expectStr(mismatch(trunk, [pv(101, 104), pv(1, 0, true, true)]), "carries a vlan the config does not name: vid 104", "one more");
  const native = ",\"vlan\":150,\"vlanTrunk\":[{\"minID\":101,\"maxID\":200}],\"preserveDefaultVlan\":false";
  expectStr(mismatch(native, [pv(101, 200)]), "carries vid 150, the config vid 150 pvid untagged", "the native VLAN left tagged (Go's order)");
}
