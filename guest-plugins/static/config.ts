// static's config, as the Go plugin's LoadIPAMConfig reads it: `ipam.addresses` (CIDR, optional
// gateway), CNI_ARGS `IP=` (comma-separated CIDRs, appended) and `GATEWAY=` (each set on the
// addresses whose subnet holds it), then `args.cni.ips` and `runtimeConfig.ips`, each of which
// replaces the list (runtimeConfig last, so it wins); `ipam.routes` and `ipam.dns` as given.
import {
  Request, CniError, Result, Unit, Done, done, fail, ok, IP, IPNet, IPConfig, Route, Dns, ObjectReader, ArrayReader,
  parseNetConf, newCniError, internalError, CniErrorCode, readCidr, optIP, cidrAt, readRoutes,
} from "@wasm-cni/sdk";

export class StaticConfig {
  /** The addresses to hand out, each with its gateway (or none). */
  addresses: IPConfig[] = [];
  routes: Route[] = [];
  dns: Dns = new Dns();
}

/** Reads one call's config: code 7 naming every bad field, 4 for a malformed CNI_ARGS value. */
export function loadConfig(req: Request): Result<StaticConfig, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<StaticConfig>();
  const conf = p.value;
  const c = new StaticConfig();
  const ipam = conf.reader.object("ipam");
  if (ipam != null) {
    readAddresses(ipam, c.addresses);
    c.routes = readRoutes(ipam);
    const dns = ipam.optObject("dns");
    if (dns != null) c.dns = Dns.read(dns);
  }
  const args = conf.reader.optObject("args");
  const cni = args != null ? args.optObject("cni") : null;
  const argIPs = cni != null ? cni.optArray("ips") : null;
  const runtime = conf.reader.optObject("runtimeConfig");
  const runtimeIPs = runtime != null ? runtime.optArray("ips") : null;
  const bad = conf.check();
  if (bad.isErr) return bad.pass<StaticConfig>();
  const env = applyCniArgs(req, c.addresses);
  if (env.isErr) return env.pass<StaticConfig>();
  // Each list replaces the addresses so far (gateways from CNI_ARGS go with them), as in Go.
  const lists = [argIPs, runtimeIPs];
  for (let i = 0; i < lists.length; i++) {
    const list = lists[i];
    if (list == null || list.length == 0) continue;
    const replaced: IPConfig[] = [];
    for (let j = 0; j < list.length; j++) {
      const n = cidrAt(list, j);
      if (n != null) replaced.push(new IPConfig(n));
    }
    c.addresses = replaced;
  }
  const late = conf.check();
  if (late.isErr) return late.pass<StaticConfig>();
  if (isPre030(conf.cniVersion) && morePerFamily(c.addresses)) {
    return fail<StaticConfig>(internalError("CNI version " + conf.cniVersion + " does not support more than 1 address per family"));
  }
  return ok<StaticConfig, CniError>(c);
}

/** `ipam.addresses`: [{ "address": "10.1.0.5/24", "gateway": "10.1.0.1" }]. */
function readAddresses(ipam: ObjectReader, out: IPConfig[]): void {
  const list = ipam.optArray("addresses");
  if (list == null) return;
  for (let i = 0; i < list.length; i++) {
    const o = list.objectAt(i);
    if (o == null) continue;
    const n = readCidr(o, "address");
    const gw = optIP(o, "gateway");
    if (n != null) out.push(new IPConfig(n, gw));
  }
}

/** CNI_ARGS `IP=` appends addresses, then `GATEWAY=` sets the gateway of every address that holds it. */
function applyCniArgs(req: Request, out: IPConfig[]): Done {
  for (let i = 0; i < req.args.length; i++) {
    if (req.args[i].v0 != "IP") continue;
    const items = req.args[i].v1.split(",");
    for (let j = 0; j < items.length; j++) {
      const n = IPNet.parse(items[j].trim());
      if (n == null) {
        const msg = "the 'ip' field is expected to be in CIDR notation, got: '" + items[j].trim() + "'";
        return fail<Unit>(newCniError(CniErrorCode.INVALID_ENV, msg));
      }
      out.push(new IPConfig(n));
    }
  }
  for (let i = 0; i < req.args.length; i++) {
    if (req.args[i].v0 != "GATEWAY") continue;
    const items = req.args[i].v1.split(",");
    for (let j = 0; j < items.length; j++) {
      const gw = IP.parse(items[j].trim());
      if (gw == null) return fail<Unit>(newCniError(CniErrorCode.INVALID_ENV, "invalid gateway address: " + items[j]));
      for (let k = 0; k < out.length; k++) {
        if (out[k].address.contains(gw)) out[k].gateway = gw;
      }
    }
  }
  return done();
}

function isPre030(version: string): bool {
  return version == "0.1.0" || version == "0.2.0";
}

function morePerFamily(list: IPConfig[]): bool {
  let v4 = 0, v6 = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i].address.is4) v4++;
    else v6++;
  }
  return v4 > 1 || v6 > 1;
}
