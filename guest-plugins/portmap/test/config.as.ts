// Guest tests of portmap's config (config.ts, conditions.ts) and its rules (rules.ts):
// defaults, port mappings, the backend options, code 7 naming the field, and the typed rules
// of a container address as Go's nftables backend writes them.
import { Request, IP, CniResult, IPNet, firewall } from "@wasm-cni/sdk";
import { loadConfig, containerAddrs, PortMapConf } from "../config";
import { portmapRules, describeRule, ruleKey } from "../rules";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

function request(extra: string): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"pm\",\"type\":\"portmap\"" + extra + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  return r;
}

function load(extra: string): PortMapConf {
  const r = loadConfig(request(extra));
  assert(r.isOk, "config " + extra + ": " + (r.isOk ? "" : r.error.details));
  return r.value;
}

/** The code-7 details of a config that must fail. */
function refused(extra: string): string {
  const r = loadConfig(request(extra));
  assert(r.isErr, "config must fail: " + extra);
  expectInt(r.error.code, 7, "code of " + extra);
  return r.error.details;
}

const MAPS = ",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"UDP\",\"hostIP\":\"192.168.1.1\"}]}";

function lines(rs: firewall.Rule[]): string {
  const out: string[] = [];
  for (let i = 0; i < rs.length; i++) out.push(describeRule(rs[i]));
  return out.join("\n");
}

export function defaults_are_snat_on_no_mappings_no_mark(): void {
  const c = load("");
  expectTrue(c.snat, "snat defaults to true");
  expectFalse(c.masqAll, "masqAll");
  expectInt(c.mappings.length, 0, "no mappings");
  expectInt(c.markMasqBit, -1, "no markMasqBit");
  expectInt(portmapRules(c, IP.parse("10.88.0.2")!).length, 0, "no mappings, no rules (not even masquerade)");
}

export function port_mappings_read_with_protocol_in_any_case_and_host_ip(): void {
  const c = load(MAPS);
  expectInt(c.mappings.length, 2, "two");
  expectInt(c.mappings[0].hostPort, 8080, "hostPort");
  expectInt(c.mappings[0].containerPort, 80, "containerPort");
  expectInt(<i64>c.mappings[1].protocol, <i64>firewall.Protocol.UDP, "UDP is udp");
  expectStr(c.mappings[1].hostIP!.toString(), "192.168.1.1", "hostIP");
  expectInt(c.mappings[1].hostFamily, 4, "hostIP family");
  const any = load(",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1,\"containerPort\":2,\"protocol\":\"sctp\",\"hostIP\":\"0.0.0.0\"}]}");
  expectTrue(any.mappings[0].hostIP == null, "0.0.0.0 is every local address");
  expectInt(any.mappings[0].hostFamily, 4, "but IPv4 only, as Go");
  expectStr(describeRule(portmapRules(any, IP.parse("10.88.0.2")!)[0]), "nat-prerouting ip fib daddr type local meta l4proto sctp th dport 1 dnat to 10.88.0.2:2", "sctp");
  expectInt(portmapRules(any, IP.parse("fd00::2")!).length, 0, "0.0.0.0 maps nothing to an IPv6 address");
}

export function port_mappings_keys_are_read_in_any_case_as_containerd_sends_them(): void {
  const c = load(",\"runtimeConfig\":{\"portMappings\":[{\"HostPort\":8080,\"ContainerPort\":80,\"Protocol\":\"tcp\",\"HostIP\":\"\"}]}");
  expectInt(c.mappings.length, 1, "mappings");
  expectInt(c.mappings[0].hostPort, 8080, "hostPort");
  expectInt(c.mappings[0].containerPort, 80, "containerPort");
  expectTrue(c.mappings[0].hostIP == null, "no hostIP");
  const d = refused(",\"runtimeConfig\":{\"portMappings\":[{\"HostPort\":0,\"ContainerPort\":80,\"Protocol\":\"tcp\"}]}");
  expectTrue(d.includes("field \"runtimeConfig.portMappings[0].HostPort\" is 0"), d);
}

export function bad_mappings_fail_with_code_7_naming_each_field(): void {
  const d = refused(",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":0,\"containerPort\":70000,\"protocol\":\"icmp\",\"hostIP\":\"1.2.3\"},{\"containerPort\":\"80\"}]}");
  expectTrue(d.includes("field \"runtimeConfig.portMappings[0].hostPort\" is 0, not a port number (1-65535)"), d);
  expectTrue(d.includes("field \"runtimeConfig.portMappings[0].containerPort\" is 70000, not a port number (1-65535)"), d);
  expectTrue(d.includes("field \"runtimeConfig.portMappings[0].protocol\" is \"icmp\", not one of tcp, udp, sctp"), d);
  expectTrue(d.includes("field \"runtimeConfig.portMappings[0].hostIP\" is \"1.2.3\", not an IP address"), d);
  expectTrue(d.includes("field \"runtimeConfig.portMappings[1].hostPort\" is required"), d);
  expectTrue(d.includes("portMappings[1].containerPort\" must be"), d);
  expectTrue(d.includes("portMappings[1].protocol\" is required"), d);
  expectTrue(refused(",\"runtimeConfig\":{\"portMappings\":{}}").includes("runtimeConfig.portMappings"), "not a list");
  expectTrue(refused(",\"snat\":\"yes\"").includes("\"snat\""), "snat must be a bool");
}

export function backend_takes_iptables_or_nftables_and_nothing_else(): void {
  load(",\"backend\":\"iptables\"");
  load(",\"backend\":\"nftables\"");
  expectTrue(refused(",\"backend\":\"ebpf\"").includes("field \"backend\" is \"ebpf\", not \"iptables\" or \"nftables\""), "other backend");
}

export function external_set_mark_chain_is_refused_by_name(): void {
  const d = refused(",\"externalSetMarkChain\":\"KUBE-MARK-MASQ\"");
  expectTrue(d.includes("field \"externalSetMarkChain\" names an iptables chain"), d);
}

export function mark_masq_bit_is_checked_as_go_and_kept(): void {
  expectInt(load(",\"markMasqBit\":13").markMasqBit, 13, "kept (logged as not needed)");
  expectTrue(refused(",\"markMasqBit\":32").includes("field \"markMasqBit\" is 32, not between 0 and 31"), "range");
  expectTrue(refused(",\"markMasqBit\":1,\"externalSetMarkChain\":\"X\"").includes("cannot both be given"), "both");
}

export function conditions_in_either_syntax_become_typed_matches(): void {
  const nft = load(",\"conditionsV4\":[\"ip saddr != 10.0.0.0/8\", \"ip\", \"daddr\", \"192.168.1.1\"],\"conditionsV6\":[\"iifname\",\"eth1\"]");
  expectInt(nft.conditionsV4.matches.length, 2, "two v4 matches");
  expectTrue(nft.conditionsV4.matches[0].isSaddr && nft.conditionsV4.matches[0].saddr.negate, "negated saddr");
  expectStr(nft.conditionsV4.matches[0].saddr.cidr, "10.0.0.0/8", "cidr");
  expectStr(nft.conditionsV4.matches[1].daddr.cidr, "192.168.1.1/32", "an address is a /32");
  expectTrue(nft.conditionsV6.hasIifname && nft.conditionsV6.matches[0].iifname.name == "eth1", "iifname");
  const ipt = load(",\"conditionsV4\":[\"!\",\"-s\",\"10.0.0.0/8\",\"-i\",\"eth0\"],\"conditionsV6\":[\"-d\",\"fd00::/64\"]");
  expectTrue(ipt.conditionsV4.matches[0].isSaddr && ipt.conditionsV4.matches[0].saddr.negate, "! -s");
  expectTrue(ipt.conditionsV4.matches[1].isIifname, "-i");
  expectStr(ipt.conditionsV6.matches[0].daddr.cidr, "fd00::/64", "-d v6");
}

export function conditions_without_typed_equivalent_or_of_the_wrong_family_fail_with_code_7(): void {
  expectTrue(refused(",\"conditionsV4\":[\"-m\",\"comment\"]").includes("field \"conditionsV4\" has \"-m\": only -s, -d and -i"), "iptables -m");
  expectTrue(refused(",\"conditionsV4\":[\"tcp sport 1\"]").includes("field \"conditionsV4\" has \"tcp\": only ip saddr"), "nft tcp");
  expectTrue(refused(",\"conditionsV4\":[\"ip saddr fd00::1\"]").includes("has \"fd00::1\", not an IPv4 address or CIDR"), "family");
  expectTrue(refused(",\"conditionsV6\":[\"ip saddr 10.0.0.1\"]").includes("field \"conditionsV6\" has \"ip\": only ip6 saddr"), "ip in v6");
  expectTrue(refused(",\"conditionsV4\":[\"-s\"]").includes("ends before the address"), "truncated");
  expectTrue(refused(",\"conditionsV4\":[\"-s\",\"0.0.0.0/0\"]").includes("not an IPv4 address or CIDR other than a /0"), "/0");
  expectStr(load(",\"conditionsV4\":[\"-d\",\"10.1.2.3/8\"]").conditionsV4.matches[0].daddr.cidr, "10.0.0.0/8", "host bits cleared, as the host keeps it");
  expectTrue(refused(",\"backend\":\"nftables\",\"conditionsV4\":[\"-s\",\"10.0.0.1\"]").includes("is in iptables syntax but backend is \"nftables\""), "syntax vs backend");
  expectTrue(refused(",\"backend\":\"iptables\",\"conditionsV6\":[\"ip6 saddr ::1\"]").includes("is in nftables syntax but backend is \"iptables\""), "syntax vs backend 2");
}

export function rules_of_an_ipv4_address_are_go_nftables_rules(): void {
  const c = load(MAPS);
  const rs = portmapRules(c, IP.parse("10.88.0.2")!);
  expectStr(lines(rs), [
    "nat-prerouting ip fib daddr type local meta l4proto tcp th dport 8080 dnat to 10.88.0.2:80",
    "nat-output ip fib daddr type local meta l4proto tcp th dport 8080 dnat to 10.88.0.2:80",
    "nat-prerouting ip fib daddr type local ip daddr 192.168.1.1/32 meta l4proto udp th dport 5353 dnat to 10.88.0.2:53",
    "nat-output ip fib daddr type local ip daddr 192.168.1.1/32 meta l4proto udp th dport 5353 dnat to 10.88.0.2:53",
    "nat-postrouting ip ct status dnat ip saddr 10.88.0.2/32 ip daddr 10.88.0.2/32 masquerade",
    "nat-postrouting ip ct status dnat ip saddr 127.0.0.0/8 ip daddr 10.88.0.2/32 masquerade",
  ].join("\n"), "rules");
}

export function rules_of_an_ipv6_address_skip_ipv4_host_ips_and_127(): void {
  const c = load(MAPS);
  const rs = portmapRules(c, IP.parse("fd00::2")!);
  expectStr(lines(rs), [
    "nat-prerouting ip6 fib daddr type local meta l4proto tcp th dport 8080 dnat to [fd00::2]:80",
    "nat-output ip6 fib daddr type local meta l4proto tcp th dport 8080 dnat to [fd00::2]:80",
    "nat-postrouting ip6 ct status dnat ip6 saddr fd00::2/128 ip6 daddr fd00::2/128 masquerade",
  ].join("\n"), "rules");
}

export function snat_false_masq_all_and_iifname_conditions_shape_the_rules(): void {
  const one = ",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}";
  expectInt(portmapRules(load(one + ",\"snat\":false"), IP.parse("10.88.0.2")!).length, 2, "snat false: DNAT only");
  expectStr(lines(portmapRules(load(one + ",\"masqAll\":true"), IP.parse("10.88.0.2")!).slice(2)),
    "nat-postrouting ip ct status dnat ip daddr 10.88.0.2/32 masquerade", "masqAll: every DNATed source, one rule");
  expectStr(lines(portmapRules(load(one + ",\"conditionsV4\":[\"-i\",\"eth0\",\"-s\",\"192.168.0.0/16\"],\"snat\":false"), IP.parse("10.88.0.2")!)),
    "nat-prerouting ip fib daddr type local iifname eth0 ip saddr 192.168.0.0/16 meta l4proto tcp th dport 8080 dnat to 10.88.0.2:80",
    "an input interface: prerouting only");
}

export function rule_keys_ignore_the_order_of_matches(): void {
  const c = load(MAPS);
  const a = portmapRules(c, IP.parse("10.88.0.2")!)[0];
  const b = portmapRules(c, IP.parse("10.88.0.2")!)[0];
  b.matches.reverse();
  expectStr(ruleKey(a), ruleKey(b), "same key");
  expectFalse(describeRule(a) == describeRule(b), "different text");
}

export function container_addrs_are_the_first_of_each_family_on_ifname_in_the_sandbox(): void {
  const prev = new CniResult();
  prev.addInterface("cni0", "aa:aa:aa:aa:aa:aa");
  const e = prev.addInterface("eth0", "bb:bb:bb:bb:bb:bb", "/run/netns/c");
  const other = prev.addInterface("eth1", "cc:cc:cc:cc:cc:cc", "/run/netns/c");
  prev.addIP(IPNet.parse("10.0.0.1/24")!, null, 0);
  prev.addIP(IPNet.parse("10.1.0.2/24")!, null, other);
  prev.addIP(IPNet.parse("10.88.0.2/16")!, null, e);
  prev.addIP(IPNet.parse("10.88.0.3/16")!, null, e);
  prev.addIP(IPNet.parse("fd00::2/64")!, null);
  const a = containerAddrs(prev, "eth0");
  expectStr(a[0]!.toString(), "10.88.0.2/16", "v4: not the bridge's, not eth1's, the first");
  expectStr(a[1]!.toString(), "fd00::2/64", "v6 without an interface counts");
  expectTrue(containerAddrs(new CniResult(), "eth0")[0] == null, "none");
}
