// host-local's config, as the Go plugin's LoadIPAMConfig reads it: range sets from
// `runtimeConfig.ipRanges`, then the legacy single range (`ipam.subnet` ...), then
// `ipam.ranges`, in that order (the order sets the last_reserved_ip.<n> keys); `routes`,
// `dataDir`; requested addresses from CNI_ARGS `IP=`, `args.cni.ips` and `runtimeConfig.ips`.
// Every problem is collected and reported at once (code 7), each naming its field.
import {
  Request, CniError, Result, ok, fail, IP, IPNet, IPRange, Route, ObjectReader, ArrayReader,
  parseNetConf, newCniError, CniErrorCode, readRange, readRangeSet, checkRangeSetsDisjoint, readRoutes,
} from "@wasm-cni/sdk";
import { E_NO_RANGES, E_DATA_DIR, E_REQUESTED, E_RESOLV_CONF_PATH } from "./errors";

export class IpamConfig {
  /** The network name: the store's bucket. */
  name: string = "";
  /** "" for the host's default, /var/lib/cni/networks. */
  dataDir: string = "";
  /** One address is allocated from each set. */
  ranges: IPRange[][] = [];
  routes: Route[] = [];
  /** `resolvConf`: a resolv.conf whose settings become the result's DNS ("" for none); the host reads it. */
  resolvConf: string = "";
  /** Addresses the runtime asked for, each to be given from the set that contains it. */
  requested: IP[] = [];
  /** The whole config, for verbs that read more (GC reads the valid attachments). */
  reader: ObjectReader;

  constructor(reader: ObjectReader) {
    this.reader = reader;
  }
}

/** Reads and checks the config of one call; code 6 for broken JSON, 7 naming every bad field. */
export function loadConfig(req: Request): Result<IpamConfig, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<IpamConfig>();
  const conf = p.value;
  const c = new IpamConfig(conf.reader);
  c.name = conf.name;
  const ipam = conf.reader.object("ipam");
  if (ipam != null) readIpam(c, ipam, conf.reader);
  const bad = conf.check();
  if (bad.isErr) return bad.pass<IpamConfig>();
  const argIP = cniArgsIP(req);
  if (argIP.isErr) return argIP.pass<IpamConfig>();
  // CNI_ARGS first, as in Go; its address is then matched like the others.
  if (argIP.value != null) c.requested.unshift(argIP.value!);
  return ok<IpamConfig, CniError>(c);
}

function readIpam(c: IpamConfig, ipam: ObjectReader, root: ObjectReader): void {
  c.dataDir = ipam.optString("dataDir");
  if (c.dataDir.length > 0 && !isCleanAbsolute(c.dataDir)) ipam.fail("dataDir", E_DATA_DIR);
  c.resolvConf = ipam.optString("resolvConf");
  // The runtime's working directory means nothing to an operator: only absolute paths.
  if (c.resolvConf.length > 0 && !c.resolvConf.startsWith("/")) ipam.fail("resolvConf", E_RESOLV_CONF_PATH);
  c.routes = readRoutes(ipam);
  const paths: string[] = [];
  const runtime = root.optObject("runtimeConfig");
  if (runtime != null) {
    const sets = runtime.optArray("ipRanges");
    if (sets != null) addSets(c, sets, paths);
  }
  // The legacy keys are one more range set, placed before `ranges` as Go does.
  if (ipam.has("subnet") || ipam.has("rangeStart") || ipam.has("rangeEnd") || ipam.has("gateway")) {
    const r = readRange(ipam);
    if (r != null) {
      c.ranges.push([r]);
      paths.push(ipam.path);
    }
  }
  const sets = ipam.optArray("ranges");
  if (sets != null) addSets(c, sets, paths);
  const args = root.optObject("args");
  if (args != null) {
    const cni = args.optObject("cni");
    if (cni != null) readRequested(cni.optArray("ips"), c);
  }
  if (runtime != null) readRequested(runtime.optArray("ips"), c);
  if (c.ranges.length == 0 && root.errors.ok) ipam.fail("ranges", E_NO_RANGES);
  checkRangeSetsDisjoint(c.ranges, paths, root.errors);
}

function addSets(c: IpamConfig, sets: ArrayReader, paths: string[]): void {
  for (let i = 0; i < sets.length; i++) {
    const items = sets.arrayAt(i);
    const set = items != null ? readRangeSet(items) : null;
    if (set == null) continue;
    c.ranges.push(set);
    paths.push(sets.pathAt(i));
  }
}

/** A list of "10.1.0.5" or "10.1.0.5/24" (Go's ip.IP takes both); the prefix is ignored. */
function readRequested(list: ArrayReader | null, c: IpamConfig): void {
  if (list == null) return;
  for (let i = 0; i < list.length; i++) {
    const s = list.stringAt(i);
    if (s == null) continue;
    const ip = parseIPOrCidr(s);
    if (ip == null) list.fail(i, E_REQUESTED);
    else c.requested.push(ip);
  }
}

function parseIPOrCidr(s: string): IP | null {
  const ip = IP.parse(s);
  if (ip != null) return ip;
  const n = IPNet.parse(s);
  return n == null ? null : n.ip;
}

/** `IP=` of CNI_ARGS: null when absent, code 4 (invalid environment) when malformed. */
function cniArgsIP(req: Request): Result<IP | null, CniError> {
  for (let i = 0; i < req.args.length; i++) {
    if (req.args[i].v0 != "IP") continue;
    const ip = parseIPOrCidr(req.args[i].v1);
    if (ip == null) {
      const msg = "CNI_ARGS: IP must be an IP address such as \"10.1.0.5\", got \"" + req.args[i].v1 + "\"";
      return fail<IP | null>(newCniError(CniErrorCode.INVALID_ENV, msg));
    }
    return ok<IP | null, CniError>(ip);
  }
  return ok<IP | null, CniError>(null);
}

/** The host's rule for a data dir: absolute, no "", "." or ".." parts, no trailing "/". */
function isCleanAbsolute(dir: string): bool {
  if (!dir.startsWith("/")) return false;
  const parts = dir.split("/");
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    if (p.length == 0 || p == "." || p == "..") return false;
  }
  return true;
}
