// Guest tests of guest-plugins/sdk/cluster: controller options (code 7 naming bad and unknown
// keys), set differences, a subnet's network address, the view parsed with bad peers left out,
// the destinations a controller manages, and route keys.
import { View, Node, route } from "../../guest-plugins/sdk/bindings/index";
import { IPNet } from "../../guest-plugins/sdk/netip/index";
import { parseOptions, difference, subnetAddress, readView, routeKey } from "../../guest-plugins/sdk/cluster/index";
import { expectStr, expectInt, expectTrue, expectFalse } from "./expect.as";

function optionsFail(json: string, known: string[], text: string): void {
  const p = parseOptions(json);
  if (p.isErr) {
    expectTrue(p.error.code == 7 && p.error.details.includes(text), json + ": " + p.error.details);
    return;
  }
  const c = p.value.check(known);
  expectTrue(c.isErr && c.error.code == 7 && c.error.msg == "invalid controller options" && c.error.details.includes(text), json + " fails saying " + text + (c.isErr ? " (" + c.error.details + ")" : ""));
}

export function options_read_as_a_config_with_unknown_keys_refused(): void {
  const p = parseOptions("{\"vni\":7}");
  expectInt(p.value.reader.optU32("vni", 1), 7, "vni");
  expectTrue(p.value.check(["vni"]).isOk, "known key");
  expectTrue(parseOptions("").value.check(["vni"]).isOk, "\"\" is {}");
  optionsFail("{\"vnii\":7}", ["vni"], "field \"options.vnii\" is not an option of this controller (known: vni)");
  optionsFail("[1]", ["vni"], "field \"options\" must be an object");
  optionsFail("{", ["vni"], "options are not JSON");
  const bad = parseOptions("{\"vni\":\"x\"}").value;
  bad.reader.optU32("vni", 1);
  const c = bad.check(["vni"]);
  expectTrue(c.isErr && c.error.details.includes("field \"options.vni\""), "a bad value is named");
}

export function difference_keeps_the_order_of_the_first_list_once(): void {
  const d = difference(["a", "b", "a", "c"], ["b"]);
  expectStr(d.join(","), "a,c", "a minus b");
  expectInt(difference([], ["x"]).length, 0, "empty");
}

export function a_subnets_network_address_is_a_host_prefix(): void {
  expectStr(subnetAddress(IPNet.parse("10.244.1.0/24")!).toString(), "10.244.1.0/32", "v4");
  expectStr(subnetAddress(IPNet.parse("fd44:0:0:1::/80")!).toString(), "fd44:0:0:1::/128", "v6");
}

function node(name: string, subnets: string[], underlay: string, mac: string): Node {
  const n = new Node();
  n.name = name;
  n.subnets = subnets;
  n.underlay = underlay;
  n.vtepMac = mac;
  return n;
}

function view(peers: Node[]): View {
  const v = new View();
  v.local = node("n1", ["10.244.1.0/24", "fd44:0:0:1::/80"], "192.168.0.1", "0a:00:00:00:00:01");
  v.peers = peers;
  v.clusterCidrs = ["10.244.0.0/16", "fd44::/48"];
  v.underlayLink = "eth0";
  v.underlayMtu = 1500;
  return v;
}

export function the_view_leaves_bad_peers_out_and_keeps_the_others(): void {
  const r = readView(view([
    node("good", ["10.244.2.0/24"], "192.168.0.2", "0A:00:00:00:00:02"),
    node("outside", ["10.99.0.0/24"], "192.168.0.3", "0a:00:00:00:00:03"),
    node("thief", ["10.244.1.128/25"], "192.168.0.4", "0a:00:00:00:00:04"),
    node("twin", ["10.244.2.0/24"], "192.168.0.5", "0a:00:00:00:00:05"),
    node("nomac", ["10.244.6.0/24"], "192.168.0.6", ""),
    node("self", ["10.244.7.0/24"], "192.168.0.1", "0a:00:00:00:00:07"),
    node("hostbits", ["10.244.8.1/24"], "192.168.0.8", "0a:00:00:00:00:08"),
  ]), true);
  expectTrue(r.isOk, "a view with bad peers reads");
  const nv = r.value;
  expectInt(nv.peers.length, 1, "only the good peer");
  expectStr(nv.peers[0].vtepMac, "0a:00:00:00:00:02", "MAC lower-cased");
  expectStr(nv.leftOut.join("\n"), [
    "peer outside left out: subnet 10.99.0.0/24 is outside the cluster CIDRs",
    "peer thief left out: subnet 10.244.1.128/25 overlaps 10.244.1.0/24 (this node's or another peer's)",
    "peer twin left out: subnet 10.244.2.0/24 overlaps 10.244.2.0/24 (this node's or another peer's)",
    "peer nomac left out: VTEP MAC \"\" is not a MAC address",
    "peer self left out: underlay 192.168.0.1 is this node's own",
    "peer hostbits left out: subnet \"10.244.8.1/24\" is not a network CIDR",
  ].join("\n"), "why each was left out");
  const routed = readView(view([node("nomac", ["10.244.6.0/24"], "192.168.0.6", "")]), false);
  expectInt(routed.value.peers.length, 1, "no VTEP MAC needed without an overlay");
}

export function a_bad_local_node_fails_with_code_7(): void {
  const v = view([]);
  v.local.subnets = ["10.99.1.0/24"];
  const r = readView(v, false);
  expectTrue(r.isErr && r.error.code == 7 && r.error.details == "local node n1: subnet 10.99.1.0/24 is outside the cluster CIDRs", "local subnet outside");
  const w = view([]);
  w.clusterCidrs = [];
  expectTrue(readView(w, false).isErr, "no cluster CIDR");
}

export function a_controller_manages_the_cluster_cidrs_but_never_its_own_subnets(): void {
  const nv = readView(view([]), false).value;
  expectTrue(nv.manages(IPNet.parse("10.244.2.0/24")!), "a peer's subnet");
  expectFalse(nv.manages(IPNet.parse("10.244.1.5/32")!), "a pod of this node");
  expectFalse(nv.manages(IPNet.parse("10.244.0.0/16")!), "the whole CIDR overlaps this node's");
  expectFalse(nv.manages(IPNet.parse("10.99.0.0/24")!), "outside the cluster");
  expectTrue(nv.manages(IPNet.parse("fd44:0:0:2::/80")!), "IPv6");
}

export function route_keys_are_canonical(): void {
  const a = new route.RouteInfo();
  a.dst = "fd44:0:0:2:0::/80";
  a.gw = "FD44:0:0:2::";
  a.dev = "wcni.1";
  a.onlink = true;
  expectStr(routeKey(a), "fd44:0:0:2::/80 via fd44:0:0:2:: dev wcni.1 onlink", "canonical");
}
