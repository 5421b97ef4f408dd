// Guest tests of tuning's config (guest-plugins/tuning/config.ts): sysctl keys read as the
// reference reads them and refused when they leave net/, the MAC's sources in Go's order,
// args.cni over the config, and code 7 naming each bad field.
import { Request, Tuple2 } from "@wasm-cni/sdk";
import { loadConfig, sysctlPath, normalMac, TuningConf } from "../config";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

function request(extra: string, args: Array<Tuple2<string, string>> = [], ifname: string = "eth0"): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"t\",\"type\":\"tuning\"" + extra + "}";
  r.containerId = "ctr1";
  r.ifname = ifname;
  r.args = args;
  return r;
}

function load(extra: string, args: Array<Tuple2<string, string>> = [], ifname: string = "eth0"): TuningConf {
  const r = loadConfig(request(extra, args, ifname));
  assert(r.isOk, "config " + extra + ": " + (r.isOk ? "" : r.error.details));
  return r.value;
}

function fails(extra: string, text: string): void {
  const r = loadConfig(request(extra));
  expectTrue(r.isErr && r.error.code == 7 && r.error.details.includes(text), extra + " fails with code 7 saying " + text + (r.isErr ? " (" + r.error.details + ")" : ""));
}

export function sysctl_keys_read_as_the_reference_reads_them(): void {
  expectStr(sysctlPath("net.core.somaxconn", "eth0")!, "net/core/somaxconn", "dotted");
  expectStr(sysctlPath("net/core/somaxconn", "eth0")!, "net/core/somaxconn", "slashed");
  expectStr(sysctlPath("net.ipv4.conf.IFNAME.arp_filter", "eth0.100")!, "net/ipv4/conf/eth0.100/arp_filter", "IFNAME, an interface with a dot");
  expectStr(sysctlPath("net.ipv4.conf.IFNAME.IFNAME", "eth1")!, "net/ipv4/conf/eth1/IFNAME", "only the first IFNAME");
}

export function sysctl_keys_that_leave_net_are_refused(): void {
  const bad = [
    "kernel.hostname", "net", "net/../kernel/hostname", "net.ipv4.conf.eth0/../../../kernel.hostname", "net.ipv4.conf.eth0/../../..",
    "net..core", "net/./core", "/net/core/somaxconn", "net.core.somaxconn/", "net.core.so maxconn", "NET.core.x",
  ];
  for (let i = 0; i < bad.length; i++) expectTrue(sysctlPath(bad[i], "eth0") == null, bad[i] + " is refused");
  expectTrue(sysctlPath("net.ipv4.conf.IFNAME.x", "..") == null, "an interface named .. cannot walk out either");
}

export function every_option_and_args_cni_over_the_config(): void {
  const c = load(",\"sysctl\":{\"net.core.somaxconn\":\"500\",\"net.ipv4.conf.IFNAME.arp_filter\":\"1\"},\"mac\":\"C2-B0-57-49-47-F1\",\"mtu\":1454,\"promisc\":true,\"allmulti\":false,\"txQLen\":0," +
    "\"args\":{\"cni\":{\"sysctl\":{\"net/core/somaxconn\":\"600\"},\"mtu\":1400,\"txQLen\":7}}");
  expectInt(c.sysctl.length, 2, "two sysctls (args.cni replaced one)");
  expectStr(c.sysctl[0].v0 + "=" + c.sysctl[0].v1, "net/core/somaxconn=600", "args.cni wins");
  expectStr(c.sysctl[1].v0, "net/ipv4/conf/eth0/arp_filter", "IFNAME");
  expectStr(c.mac, "c2:b0:57:49:47:f1", "mac normalised");
  expectInt(c.mtu, 1400, "args.cni mtu");
  expectTrue(c.promisc, "promisc");
  expectInt(c.allmulti, 0, "allmulti false is set");
  expectInt(<i32>c.txQLen, 7, "args.cni txQLen");
}

export function unset_options_change_nothing(): void {
  const c = load("");
  expectFalse(c.changesLink, "no link change");
  expectInt(c.sysctl.length, 0, "no sysctl");
  expectInt(c.allmulti, -1, "allmulti unset");
  expectInt(<i32>c.txQLen, -1, "txQLen unset");
}

export function the_mac_comes_from_config_then_cni_args_then_runtime_config_then_args_cni(): void {
  const mac = [new Tuple2<string, string>("MAC", "02:00:00:00:00:02")];
  expectStr(load(",\"mac\":\"02:00:00:00:00:01\"", mac).mac, "02:00:00:00:00:02", "CNI_ARGS over config");
  expectStr(load(",\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:03\"}", mac).mac, "02:00:00:00:00:03", "runtimeConfig over CNI_ARGS");
  expectStr(load(",\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:03\"},\"args\":{\"cni\":{\"mac\":\"02:00:00:00:00:04\"}}", mac).mac, "02:00:00:00:00:04", "args.cni over all");
  expectStr(load(",\"mac\":\"02:00:00:00:00:01\"", [new Tuple2<string, string>("MAC", "")]).mac, "02:00:00:00:00:01", "an empty MAC= changes nothing");
}

export function bad_fields_are_code_7_naming_them(): void {
  fails(",\"sysctl\":{\"kernel.hostname\":\"x\"}", "key \"kernel.hostname\" is not a net sysctl key");
  fails(",\"sysctl\":{\"net.core.somaxconn\":1}", "\"sysctl.net.core.somaxconn\" must be a string");
  fails(",\"sysctl\":[]", "\"sysctl\"");
  fails(",\"mac\":\"02:00:00:00:00\"", "\"02:00:00:00:00\" is not a MAC address");
  fails(",\"mac\":\"02:00:00-00:00:00\"", "is not a MAC address");
  fails(",\"mtu\":70000", "mtu 70000 is above 65535");
  fails(",\"mtu\":-1", "mtu -1 is below 68");
  fails(",\"mtu\":1.5", "\"mtu\"");
  fails(",\"txQLen\":-1", "txQLen -1 is out of range");
  fails(",\"allmulti\":1", "\"allmulti\" must be a boolean");
  fails(",\"args\":{\"cni\":{\"mtu\":70000}}", "\"args.cni.mtu\" mtu 70000 is above 65535");
  expectTrue(normalMac("02:00:00:00:00:0g") == null, "not hex");
}
