// tuning's config, the keys of the Go plugin's TuningConf: `sysctl`, `mac`, `promisc`, `mtu`,
// `txQLen`, `allmulti`; the MAC also from CNI_ARGS `MAC=` and `runtimeConfig.mac` (capability
// `mac`); `args.cni` overrides each of them, as Go's parseConf. Every problem is reported at
// once (code 7, naming the field) before anything changes.
import { Request, CniError, NetConf, ObjectReader, Result, Tuple2, ok, err, parseNetConf } from "@wasm-cni/sdk";

/** The smallest MTU the kernel takes for IPv4 (ETH_MIN_MTU) and the largest any link takes (IP_MAX_MTU). */
const MTU_MIN: i64 = 68;
const MTU_MAX: i64 = 65535;

export class TuningConf {
  /** Each sysctl: its path under /proc/sys ("net/ipv4/conf/eth0/arp_filter", IFNAME read as CNI_IFNAME) and its value. */
  sysctl: Array<Tuple2<string, string>> = [];
  /** Lower-case "aa:bb:cc:dd:ee:ff"; "" leaves the MAC alone. */
  mac: string = "";
  /** True turns promiscuous mode on; false leaves it alone (as Go). */
  promisc: bool = false;
  /** 0 leaves the MTU alone. */
  mtu: u32 = 0;
  /** -1 leaves it alone. */
  txQLen: i64 = -1;
  /** -1 leaves it alone, else 0 or 1. */
  allmulti: i32 = -1;

  constructor(public net: NetConf) {}

  /** True when a link attribute is to change (what DEL puts back). */
  get changesLink(): bool {
    return this.mac.length > 0 || this.promisc || this.mtu > 0 || this.txQLen >= 0 || this.allmulti >= 0;
  }
}

/**
 * A sysctl key as the reference reads it (every "." a "/", then the first "IFNAME" the call's
 * interface), as its path under /proc/sys; null when it would leave /proc/sys/net: another
 * subsystem, or an empty, "." or ".." part ("net.ipv4.conf.eth0/../../../kernel.hostname").
 * The host checks the same path against the same config (grant sysctlFromConfig).
 */
export function sysctlPath(key: string, ifname: string): string | null {
  let path = key.replaceAll(".", "/");
  const at = path.indexOf("IFNAME");
  if (at >= 0) path = path.slice(0, at) + ifname + path.slice(at + 6);
  const parts = path.split("/");
  if (parts.length < 2 || parts.length > 16 || parts[0] != "net") return null;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.length == 0 || p.length > 64 || p == "." || p == "..") return null;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 46 || c == 64 || c == 43 || c == 45; // 0-9A-Za-z_.@+-
      if (!ok) return null;
    }
  }
  return parts.join("/");
}

/**
 * Reads and checks the config of one call. Code 6 for broken JSON, 7 naming every bad field:
 * a sysctl key outside net/ or a value that is no string, a malformed MAC, an MTU outside
 * 68-65535, a negative txQLen.
 */
export function loadConfig(req: Request): Result<TuningConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<TuningConf>();
  const c = new TuningConf(p.value);
  const r = c.net.reader;
  r.optString("dataDir"); // Go's backup directory: ours is the store (README)
  readSysctl(c, r, "sysctl", req.ifname);
  readLink(c, r);
  for (let i = 0; i < req.args.length; i++) if (req.args[i].v0 == "MAC" && req.args[i].v1.length > 0) c.mac = req.args[i].v1;
  const rc = r.optObject("runtimeConfig");
  if (rc != null) {
    const m = rc.optString("mac");
    if (m.length > 0) c.mac = m;
  }
  const args = r.optObject("args");
  const cni = args != null ? args.optObject("cni") : null;
  if (cni != null) {
    readSysctl(c, cni, "sysctl", req.ifname);
    readLink(c, cni);
  }
  if (c.mac.length > 0) {
    const mac = normalMac(c.mac);
    if (mac == null) r.fail("mac", "\"" + c.mac + "\" is not a MAC address such as \"c2:b0:57:49:47:f1\"");
    else c.mac = mac!;
  }
  const bad = c.net.check();
  return bad.isErr ? bad.pass<TuningConf>() : ok<TuningConf, CniError>(c);
}

/** `sysctl` of `r`: each key's path and its string value; a later key of the same path replaces the earlier value. */
function readSysctl(c: TuningConf, r: ObjectReader, key: string, ifname: string): void {
  const o = r.optObject(key);
  if (o == null) return;
  const v = o.value;
  for (let i = 0; i < v.length; i++) {
    const name = v.keyAt(i);
    const item = v.at(i)!;
    if (!item.isString()) {
      o.fail(name, "must be a string");
      continue;
    }
    const path = sysctlPath(name, ifname);
    if (path == null) {
      r.fail(key, "key \"" + name + "\" is not a net sysctl key: it must stay under /proc/sys/net, without empty, \".\" or \"..\" parts");
      continue;
    }
    setSysctl(c, path!, item.asString());
  }
}

function setSysctl(c: TuningConf, path: string, value: string): void {
  for (let i = 0; i < c.sysctl.length; i++) {
    if (c.sysctl[i].v0 == path) {
      c.sysctl[i].v1 = value;
      return;
    }
  }
  c.sysctl.push(new Tuple2<string, string>(path, value));
}

/** mac, promisc, mtu, txQLen, allmulti of `r` (the config, then args.cni over it). */
function readLink(c: TuningConf, r: ObjectReader): void {
  if (r.has("mac")) c.mac = r.optString("mac");
  if (r.has("promisc")) c.promisc = r.optBool("promisc");
  if (r.has("mtu")) {
    const mtu = r.optI64("mtu");
    if (mtu != 0 && mtu < MTU_MIN) r.fail("mtu", "mtu " + mtu.toString() + " is below " + MTU_MIN.toString());
    else if (mtu > MTU_MAX) r.fail("mtu", "mtu " + mtu.toString() + " is above " + MTU_MAX.toString());
    else c.mtu = <u32>mtu;
  }
  if (r.has("txQLen")) {
    const q = r.optI64("txQLen");
    if (q < 0 || q > <i64>u32.MAX_VALUE) r.fail("txQLen", "txQLen " + q.toString() + " is out of range (0-4294967295)");
    else c.txQLen = q;
  }
  if (r.has("allmulti")) c.allmulti = r.optBool("allmulti") ? 1 : 0;
}

/** "C2-B0-57-49-47-F1" or "c2:b0:57:49:47:f1" as "c2:b0:57:49:47:f1"; null for anything else. */
export function normalMac(s: string): string | null {
  if (s.length != 17) return null;
  const sep = s.charCodeAt(2);
  if (sep != 58 && sep != 45) return null; // ':' or '-'
  for (let i = 0; i < 17; i++) {
    const ch = s.charCodeAt(i);
    if (i % 3 == 2) {
      if (ch != sep) return null;
      continue;
    }
    const hex = (ch >= 48 && ch <= 57) || (ch >= 97 && ch <= 102) || (ch >= 65 && ch <= 70);
    if (!hex) return null;
  }
  return s.replaceAll("-", ":").toLowerCase();
}
