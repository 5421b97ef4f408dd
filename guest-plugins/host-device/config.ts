// host-device's config, as the Go plugin's loadConf reads it: the device by exactly one of
// `device`, `hwaddr`, `kernelpath`, `pciBusID` (or the runtime's `runtimeConfig.deviceID`,
// capability "deviceID"), and optional `ipam`. Problems are code 7 naming the field; Go
// reports the malformed ones only when it looks the device up (999).
import { Request, CniError, Result, ok, fail, NetConf, parseNetConf, isMac, invalidConfigError } from "@wasm-cni/sdk";

// @ts-ignore: decorator
@lazy @inline export const E_NO_DEVICE = "specify either \"device\", \"hwaddr\", \"kernelpath\" or \"pciBusID\"";
// @ts-ignore: decorator
@lazy @inline const E_HWADDR = "must be a MAC address such as \"0a:58:0a:01:00:02\"";
// @ts-ignore: decorator
@lazy @inline const E_KERNELPATH = "must be absolute and begin with /sys/devices/";
// @ts-ignore: decorator
@lazy @inline const E_BUS_ID = "must be a device name on its bus, such as \"0000:00:1f.6\"";

/** How the device is named, in the order Go's getLink tries them. */
export enum Select {
  DEVICE,
  HWADDR,
  /** By the kernel's device name: the last component of `kernelpath`. */
  KERNEL_PATH,
  /** A PCI address (`pciBusID`), or `deviceID`: a PCI address or an auxiliary device. */
  BUS_ID,
}

export class HostDeviceConf {
  select: Select = Select.DEVICE;
  /** The name, MAC (lower case, colons), kernel device name or bus id to look for. */
  key: string = "";
  /** True for runtimeConfig.deviceID, which may also name an auxiliary-bus device. */
  anyBus: bool = false;
  constructor(public net: NetConf) {}
}

/** ADD and CHECK, which look the device up: one call's config; code 7 naming every bad field. */
export function loadConfig(req: Request): Result<HostDeviceConf, CniError> {
  return readConfig(req, true);
}

/** DEL and GC: only the keys' types (the device may be named at ADD time only, by runtimeConfig). */
export function loadLax(req: Request): Result<HostDeviceConf, CniError> {
  return readConfig(req, false);
}

/**
 * STATUS: the device the config names, as ADD reads it; a config that names none (the runtime
 * passes `runtimeConfig.deviceID` with ADD only) reads with an empty `key`.
 */
export function loadForStatus(req: Request): Result<HostDeviceConf, CniError> {
  const c = readConfig(req, true);
  return c.isErr && c.error.details == E_NO_DEVICE ? readConfig(req, false) : c;
}

function readConfig(req: Request, strict: bool): Result<HostDeviceConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<HostDeviceConf>();
  const c = new HostDeviceConf(p.value);
  const r = c.net.reader;
  const device = r.optString("device");
  let hwaddr = r.optString("hwaddr");
  const kernelpath = r.optString("kernelpath");
  let busId = r.optString("pciBusID");
  const rc = r.optObject("runtimeConfig");
  const deviceId = rc != null ? rc.optString("deviceID") : "";
  if (deviceId.length > 0) busId = deviceId; // the runtime's device wins over pciBusID, as in Go
  const bad = c.net.check();
  if (bad.isErr) return bad.pass<HostDeviceConf>();
  if (!strict) return ok<HostDeviceConf, CniError>(c);
  if (device.length > 0) {
    c.key = device;
  } else if (hwaddr.length > 0) {
    hwaddr = hwaddr.replaceAll("-", ":").toLowerCase(); // Go's ParseMAC takes dashes too
    if (!isMac(hwaddr)) r.fail("hwaddr", E_HWADDR);
    c.select = Select.HWADDR;
    c.key = hwaddr;
  } else if (kernelpath.length > 0) {
    const name = kernelpath.substring(kernelpath.lastIndexOf("/") + 1);
    if (!kernelpath.startsWith("/sys/devices/") || name.length == 0 || name == "..") r.fail("kernelpath", E_KERNELPATH);
    c.select = Select.KERNEL_PATH;
    c.key = name;
  } else if (busId.length > 0) {
    if (busId.includes("/")) {
      if (deviceId.length > 0) rc!.fail("deviceID", E_BUS_ID);
      else r.fail("pciBusID", E_BUS_ID);
    }
    c.select = Select.BUS_ID;
    c.key = busId;
    c.anyBus = deviceId.length > 0;
  } else {
    return fail<HostDeviceConf>(invalidConfigError(E_NO_DEVICE));
  }
  const bad2 = c.net.check();
  return bad2.isErr ? bad2.pass<HostDeviceConf>() : ok<HostDeviceConf, CniError>(c);
}
