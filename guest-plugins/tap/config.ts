// tap's config, as the upstream Go plugin's loadConf reads it (newer than Debian's v1.1.1,
// which has no tap): mac (the config's, then CNI_ARGS MAC=, then runtimeConfig.mac), mtu,
// multiQueue, owner, group, bridge, ipam (optional: none means layer 2 only).
import { Request, CniError, Result, ok, NetConf, parseNetConf, readRequestedMac } from "@wasm-cni/sdk";

// @ts-ignore: decorator
@lazy @inline const E_SELINUX = "is not supported: the host makes the tap itself and cannot give it an SELinux label (Go runs `ip tuntap` under setexeccon, which fails as well on a host without SELinux)";

export class TapConf {
  mac: string = "";
  mtu: u32 = 0;
  multiQueue: bool = false;
  /** -1: not given (the kernel's "no owner"/"no group"). */
  owner: i64 = -1;
  group: i64 = -1;
  bridge: string = "";
  constructor(public net: NetConf) {}

  /**
   * IFF_VNET_HDR as Go sets it: its netlink path, taken only when both owner and group are
   * given, asks for it; its `ip tuntap` path, taken otherwise, does not.
   */
  get vnetHdr(): bool { return this.owner >= 0 && this.group >= 0; }
}

/** ADD and CHECK: one call's config; code 7 naming every bad field. */
export function loadConfig(req: Request): Result<TapConf, CniError> {
  return readConfig(req, true);
}

/** DEL, STATUS and GC: only the keys' types (a config ADD refuses is still deleted). */
export function loadLax(req: Request): Result<TapConf, CniError> {
  return readConfig(req, false);
}

function readConfig(req: Request, strict: bool): Result<TapConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<TapConf>();
  const c = new TapConf(p.value);
  const r = c.net.reader;
  c.mtu = r.optU32("mtu");
  c.multiQueue = r.optBool("multiQueue");
  if (r.has("owner")) c.owner = <i64>r.optU32("owner");
  if (r.has("group")) c.group = <i64>r.optU32("group");
  c.bridge = r.optString("bridge");
  // Go's JSON keys match case-insensitively: the docs write "selinuxcontext", the code "selinuxContext".
  const keys = ["selinuxContext", "selinuxcontext"];
  for (let i = 0; i < keys.length; i++) {
    if (strict && r.optString(keys[i]).length > 0) r.fail(keys[i], E_SELINUX);
  }
  if (strict) c.mac = readRequestedMac(req, r);
  const bad = c.net.check();
  return bad.isErr ? bad.pass<TapConf>() : ok<TapConf, CniError>(c);
}
