// Guest tests of guest-plugins/sdk/ip's pure parts: the host veth name and route descriptions;
// and of its neighbours': host errors as CNI errors (sdk/types), the addresses of one interface
// (sdk/ipam). (The parts that call the host run in test/integration/plugins against real namespaces.)
import {
  hostVethName, describeHostError, hostErrorToCni, isGone, ipsOf, routeVia, describeRoute, HostError, KernelError,
  CniResult, IPNet, IP,
} from "@wasm-cni/sdk";
import { expectStr, expectInt, expectTrue, expectFalse } from "./expect.as";

export function the_host_veth_name_is_fnv1a_of_container_id_and_ifname(): void {
  // Vectors from an independent FNV-1a (test/integration/plugins/bridge.test.ts hostVeth).
  expectStr(hostVethName("ctr1", "eth0"), "veth05102965", "ctr1/eth0, leading zero kept");
  expectStr(hostVethName("", ""), "veth2a0c975e", "empty ids");
  expectStr(hostVethName("ü", "eth0"), "veth76da0f66", "UTF-8 bytes");
  expectTrue(hostVethName("ctr1", "eth1") != hostVethName("ctr1", "eth0"), "ifname matters");
  expectInt(hostVethName("a-very-long-container-id-0123456789abcdef", "net1").length, 12, "always 12 bytes (IFNAMSIZ)");
}

export function a_host_error_becomes_code_999_with_its_context_first(): void {
  const e = hostErrorToCni(HostError.exists("address 10.1.0.2/24 on eth0"), "failed to add IP addr 10.1.0.2/24 to eth0");
  expectInt(e.code, 999, "code");
  expectStr(e.msg, "failed to add IP addr 10.1.0.2/24 to eth0: exists: address 10.1.0.2/24 on eth0", "msg");
  const k = new KernelError();
  k.errno = 16;
  k.message = "EBUSY (Device or resource busy)";
  expectStr(describeHostError(HostError.kernel(k)), "kernel: EBUSY (Device or resource busy)", "kernel case");
}

export function not_found_and_netns_gone_count_as_gone(): void {
  expectTrue(isGone(HostError.notFound("eth0")), "not-found");
  expectTrue(isGone(HostError.netnsGone("/run/netns/x")), "netns-gone");
  expectFalse(isGone(HostError.denied("x")), "denied");
  expectFalse(isGone(HostError.exists("x")), "exists");
}

export function ips_of_an_interface_follow_their_interface_index(): void {
  const r = new CniResult();
  r.addInterface("cni0");
  const eth0 = r.addInterface("eth0", "", "/run/netns/c");
  r.addIP(IPNet.parse("10.1.0.2/24")!, null, eth0);
  r.addIP(IPNet.parse("10.9.0.2/24")!, null, 0);
  r.addIP(IPNet.parse("fd00::2/64")!, null, -1);
  r.addIP(IPNet.parse("fd00::3/64")!, null, eth0);
  const got = ipsOf(r, "eth0");
  expectInt(got.length, 2, "two addresses on eth0");
  expectStr(got[0].address.toString() + " " + got[1].address.toString(), "10.1.0.2/24 fd00::3/64", "in result order");
  expectInt(ipsOf(r, "eth1").length, 0, "none on another name");
}

export function a_route_has_its_host_bits_cleared_and_reads_like_ip_route(): void {
  const info = routeVia(IPNet.parse("10.2.3.4/16")!, IP.parse("10.1.0.1"), "eth0");
  expectStr(info.dst, "10.2.0.0/16", "dst masked");
  expectStr(describeRoute(info), "10.2.0.0/16 via 10.1.0.1 dev eth0", "description");
  expectStr(describeRoute(routeVia(IPNet.parse("::/0")!, null, "eth0")), "::/0 dev eth0", "without gw");
}
