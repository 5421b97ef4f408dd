// The host link a config names, like Go's getLink, through netlink only: a plugin reads no
// files, so `kernelpath`, `pciBusID` and `deviceID` match the device under each link
// (IFLA_PARENT_DEV_NAME/BUS_NAME) where Go reads /sys/.../net. A device bound to a userspace
// (DPDK) driver has no link at all: Go's DPDK mode is not supported and such a device is not found.
import { link, NetnsId, CniError, Result, ok, fail, hostErrorToCni, internalError } from "@wasm-cni/sdk";
import { HostDeviceConf, Select } from "./config";

/** The link the config names, in the host netns `hns`; code 999 naming what was looked for. */
export function findHostDevice(hns: NetnsId, conf: HostDeviceConf): Result<link.LinkInfo, CniError> {
  if (conf.select == Select.DEVICE) {
    const r = link.get(hns, conf.key);
    if (r.isErr) return fail<link.LinkInfo>(hostErrorToCni(r.error, "failed to find host device: \"" + conf.key + "\""));
    return ok<link.LinkInfo, CniError>(r.value);
  }
  const all = link.list(hns);
  if (all.isErr) return fail<link.LinkInfo>(hostErrorToCni(all.error, "failed to find host device: failed to list node links"));
  for (let i = 0; i < all.value.length; i++) {
    if (matches(all.value[i], conf)) return ok<link.LinkInfo, CniError>(all.value[i]);
  }
  return fail<link.LinkInfo>(internalError("failed to find host device: " + notFound(conf)));
}

/** True when `l` is the device `conf` names (other than by name). */
export function matches(l: link.LinkInfo, conf: HostDeviceConf): bool {
  switch (conf.select) {
    case Select.HWADDR: return l.mac == conf.key;
    case Select.KERNEL_PATH: return l.parentDev == conf.key;
    case Select.BUS_ID: return l.parentDev == conf.key && (l.parentBus == "pci" || (conf.anyBus && l.parentBus == "auxiliary"));
    default: return l.name == conf.key;
  }
}

function notFound(conf: HostDeviceConf): string {
  switch (conf.select) {
    case Select.HWADDR: return "no link with MAC " + conf.key;
    case Select.KERNEL_PATH: return "no link on kernel device " + conf.key;
    default:
      return "no link on " + (conf.anyBus ? "PCI or auxiliary device " : "PCI device ") + conf.key +
        " (a device bound to a userspace driver such as vfio-pci has no link: DPDK mode is not supported)";
  }
}
