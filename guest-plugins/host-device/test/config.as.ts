// Guest tests of host-device's config (guest-plugins/host-device/config.ts) and its device
// matcher (find-device.ts): which key selects the device, in Go's order, and code 7 for the
// malformed ones.
import { Request, link } from "@wasm-cni/sdk";
import { loadConfig, loadLax, HostDeviceConf, Select, E_NO_DEVICE } from "../config";
import { matches } from "../find-device";
import { expectStr, expectInt, expectTrue, expectFalse } from "../../../test/sdk/expect.as";

function request(extra: string): Request {
  const r = new Request();
  r.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"hd\",\"type\":\"host-device\"" + extra + "}";
  r.containerId = "ctr1";
  r.ifname = "eth0";
  return r;
}

function load(extra: string): HostDeviceConf {
  const r = loadConfig(request(extra));
  assert(r.isOk, "config " + extra + ": " + (r.isOk ? "" : r.error.details));
  return r.value;
}

function fails(extra: string, field: string): void {
  const r = loadConfig(request(extra));
  expectTrue(r.isErr && r.error.code == 7 && r.error.details.includes("\"" + field + "\""), extra + " fails with code 7 naming " + field);
}

function info(name: string, mac: string, bus: string, dev: string): link.LinkInfo {
  const l = new link.LinkInfo();
  l.name = name;
  l.mac = mac;
  l.parentBus = bus;
  l.parentDev = dev;
  return l;
}

export function device_is_taken_first_as_in_go(): void {
  const c = load(",\"device\":\"eth1\",\"hwaddr\":\"0a:00:00:00:00:01\",\"pciBusID\":\"0000:00:1f.6\"");
  expectInt(<i64>c.select, <i64>Select.DEVICE, "select");
  expectStr(c.key, "eth1", "key");
}

export function hwaddr_is_lower_cased_and_takes_dashes(): void {
  const c = load(",\"hwaddr\":\"0A-00-00-00-00-D0\"");
  expectInt(<i64>c.select, <i64>Select.HWADDR, "select");
  expectStr(c.key, "0a:00:00:00:00:d0", "key");
  fails(",\"hwaddr\":\"0a:00:00:00:00\"", "hwaddr");
}

export function kernelpath_selects_by_its_last_component(): void {
  const c = load(",\"kernelpath\":\"/sys/devices/pci0000:00/0000:00:1f.6\"");
  expectInt(<i64>c.select, <i64>Select.KERNEL_PATH, "select");
  expectStr(c.key, "0000:00:1f.6", "key");
  fails(",\"kernelpath\":\"sys/devices/x\"", "kernelpath");
  fails(",\"kernelpath\":\"/sys/devices/\"", "kernelpath");
}

export function deviceid_wins_over_pcibusid_and_may_be_auxiliary(): void {
  const pci = load(",\"pciBusID\":\"0000:00:1f.6\"");
  expectInt(<i64>pci.select, <i64>Select.BUS_ID, "select");
  expectFalse(pci.anyBus, "pciBusID is PCI only");
  const rc = load(",\"pciBusID\":\"0000:00:1f.6\",\"runtimeConfig\":{\"deviceID\":\"mlx5_core.sf.4\"}");
  expectStr(rc.key, "mlx5_core.sf.4", "deviceID wins");
  expectTrue(rc.anyBus, "deviceID may be auxiliary");
  fails(",\"runtimeConfig\":{\"deviceID\":\"../x\"}", "runtimeConfig.deviceID");
}

export function no_device_key_is_code_7(): void {
  const r = loadConfig(request(""));
  expectTrue(r.isErr && r.error.code == 7 && r.error.details == E_NO_DEVICE, "no key: " + (r.isErr ? r.error.details : ""));
  fails(",\"device\":7", "device");
}

export function del_needs_only_the_types(): void {
  expectTrue(loadLax(request("")).isOk, "DEL without a device key");
  expectTrue(loadLax(request(",\"device\":1")).isErr, "DEL still checks the types");
}

export function matcher_compares_mac_parent_device_and_bus(): void {
  const nic = info("enp0s31f6", "0a:00:00:00:00:d0", "pci", "0000:00:1f.6");
  const sf = info("enp3s0f0s4", "0a:00:00:00:00:d1", "auxiliary", "mlx5_core.sf.4");
  expectTrue(matches(nic, load(",\"hwaddr\":\"0a:00:00:00:00:d0\"")), "by MAC");
  expectTrue(matches(nic, load(",\"kernelpath\":\"/sys/devices/pci0000:00/0000:00:1f.6\"")), "by kernel path");
  expectTrue(matches(nic, load(",\"pciBusID\":\"0000:00:1f.6\"")), "by PCI address");
  expectFalse(matches(sf, load(",\"pciBusID\":\"mlx5_core.sf.4\"")), "pciBusID is PCI only");
  expectTrue(matches(sf, load(",\"runtimeConfig\":{\"deviceID\":\"mlx5_core.sf.4\"}")), "deviceID on the auxiliary bus");
  expectFalse(matches(info("veth0", "0a:00:00:00:00:d0", "", ""), load(",\"pciBusID\":\"0000:00:1f.6\"")), "a virtual link has no parent");
}
