// sbr's config, as the upstream Go plugin's parseConfig reads it: `table` (rules only, into
// that table), `gateways` (one IPv4 and one IPv6 gateway used instead of prevResult's),
// `addSourceHints` (subnet routes stay in main with the address as source), and the
// prevResult, which ADD requires: sbr only works in a chain after the plugin that made the
// interface.
import { Request, CniError, CniResult, IPConfig, Result, ok, err, fail, NetConf, IP, parseNetConf, invalidConfigError } from "@wasm-cni/sdk";

export class SbrConf {
  /** 0: pick a free table per address from 100 up, as Go does without `table`. */
  table: u32 = 0;
  gatewayV4: IP | null = null;
  gatewayV6: IP | null = null;
  addSourceHints: bool = false;
  /** The prevResult; null on a DEL without one. */
  prev: CniResult | null = null;
  constructor(public net: NetConf) {}

  /** The static gateway of `ip`'s family, else prevResult's gateway of that address (Go's order). */
  gatewayFor(c: IPConfig): IP | null {
    const fixed = c.address.is4 ? this.gatewayV4 : this.gatewayV6;
    return fixed != null ? fixed : c.gateway;
  }
}

/** ADD and CHECK: code 7 naming every bad field, and for a config without prevResult. */
export function loadConfig(req: Request): Result<SbrConf, CniError> {
  return readConfig(req, true);
}

/** DEL: the same keys; the prevResult may be absent (a runtime must always be able to clean up). */
export function loadLax(req: Request): Result<SbrConf, CniError> {
  return readConfig(req, false);
}

function readConfig(req: Request, needPrev: bool): Result<SbrConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<SbrConf>();
  const c = new SbrConf(p.value);
  const r = c.net.reader;
  if (r.has("table")) {
    c.table = r.optU32("table");
    if (c.table == 0 && r.errors.ok) r.fail("table", "must be a routing table id from 1 to 4294967295 (0 is no table)");
  }
  const gateways = r.optStrings("gateways");
  if (gateways.length > 2) r.fail("gateways", "holds " + gateways.length.toString() + " addresses: at most one IPv4 and one IPv6 gateway");
  for (let i = 0; i < gateways.length; i++) {
    const ip = IP.parse(gateways[i]);
    if (ip == null) {
      r.fail("gateways", "holds " + gateways[i] + ", which is not an IP address");
    } else if (ip.is4 ? c.gatewayV4 != null : c.gatewayV6 != null) {
      r.fail("gateways", "holds two IPv" + (ip.is4 ? "4" : "6") + " gateways; give at most one of each family");
    } else if (ip.is4) {
      c.gatewayV4 = ip;
    } else {
      c.gatewayV6 = ip;
    }
  }
  c.addSourceHints = r.optBool("addSourceHints");
  const bad = c.net.check();
  if (bad.isErr) return bad.pass<SbrConf>();
  if (c.net.prevResult != null || needPrev) {
    const prev = c.net.parsePrevResult();
    if (prev.isErr) return prev.pass<SbrConf>();
    c.prev = prev.value;
  }
  return ok<SbrConf, CniError>(c);
}

/**
 * The addresses of interface `ifname` in the prevResult, as Go's getIPCfgs picks them: those
 * whose interface index names it, is out of range, or is not given. Code 7 when the prevResult
 * has no address at all.
 */
export function addressesOf(prev: CniResult, ifname: string): Result<IPConfig[], CniError> {
  if (prev.ips.length == 0) return fail<IPConfig[]>(invalidConfigError("prevResult has no IP addresses for interface " + ifname + ": sbr routes by source address"));
  const out: IPConfig[] = [];
  for (let i = 0; i < prev.ips.length; i++) {
    const c = prev.ips[i];
    const idx = c.interfaceIndex;
    if (idx >= 0 && idx < prev.interfaces.length && prev.interfaces[idx].name != ifname) continue;
    out.push(c);
  }
  return ok<IPConfig[], CniError>(out);
}
