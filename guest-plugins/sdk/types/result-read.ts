// Reading a result: the IPAM result that bridge and ptp get back from host-local, or a
// config's prevResult. Like libcni's current.NewResult, and checked field by field.
import { parseJson, ObjectReader, ArrayReader, JsonValue } from "../json/index";
import { CniResult, Interface, IPConfig, Route } from "./result";
import { Dns } from "./dns";
import { CniError } from "../bindings/types";
import { Result, ok } from "../abi/result";
import { newCniError, fail } from "./cni-error";
import { CniErrorCode, E_DECODE_RESULT, E_INVALID_RESULT, E_MUST_INTERFACE, E_MUST_SCOPE } from "./errors";
import { readCidr, optIP } from "./read-ip";

/** Parses a result JSON text (an IPAM result); code 6 or 7 with every bad field on failure. */
export function parseResult(text: string): Result<CniResult, CniError> {
  const p = parseJson(text);
  if (p.isErr) return fail<CniResult>(newCniError(CniErrorCode.DECODE_FAILURE, E_DECODE_RESULT, p.error.message));
  return checkedResult(ObjectReader.root(p.value));
}

/** Reads a result from an object reader (prevResult: ObjectReader at "prevResult"). */
export function readResult(r: ObjectReader): CniResult {
  const res = new CniResult();
  res.cniVersion = r.optString("cniVersion", res.cniVersion);
  const ifs = r.optArray("interfaces");
  if (ifs != null) {
    for (let i = 0; i < ifs.length; i++) {
      const o = ifs.objectAt(i);
      if (o == null) continue;
      const it = new Interface(o.string("name"), o.optString("mac"), o.optString("sandbox"));
      it.mtu = o.optU32("mtu");
      it.socketPath = o.optString("socketPath");
      it.pciID = o.optString("pciID");
      res.interfaces.push(it);
    }
  }
  const ips = r.optArray("ips");
  if (ips != null) readIPs(ips, res);
  const routes = r.optArray("routes");
  if (routes != null) {
    for (let i = 0; i < routes.length; i++) {
      const rt = readRoute(routes, i);
      if (rt != null) res.routes.push(rt);
    }
  }
  const dns = r.optObject("dns");
  if (dns != null) res.dns = Dns.read(dns);
  return res;
}

function readIPs(ips: ArrayReader, res: CniResult): void {
  for (let i = 0; i < ips.length; i++) {
    const o = ips.objectAt(i);
    if (o == null) continue;
    const address = readCidr(o, "address");
    const gateway = optIP(o, "gateway");
    let iface = -1;
    if (o.has("interface")) {
      const v = o.raw("interface")!;
      if (v.isInteger() && v.asI64() >= 0 && v.asI64() < <i64>res.interfaces.length) iface = <i32>v.asI64();
      else o.fail("interface", E_MUST_INTERFACE);
    }
    if (address != null) res.ips.push(new IPConfig(address, gateway, iface));
  }
}

function readRoute(routes: ArrayReader, i: i32): Route | null {
  const o = routes.objectAt(i);
  if (o == null) return null;
  const dst = readCidr(o, "dst");
  const gw = optIP(o, "gw");
  const mtu = o.optU32("mtu"), advmss = o.optU32("advmss"), priority = o.optU32("priority");
  const table: i64 = o.has("table") ? <i64>o.optU32("table") : -1;
  let scope = -1;
  if (o.has("scope")) {
    const v = o.raw("scope")!;
    if (v.isInteger() && v.asI64() >= 0 && v.asI64() <= 255) scope = <i32>v.asI64();
    else o.fail("scope", E_MUST_SCOPE);
  }
  if (dst == null) return null;
  const rt = new Route(dst, gw);
  rt.mtu = mtu; rt.advmss = advmss; rt.priority = priority; rt.table = table; rt.scope = scope;
  return rt;
}

/** Reads a result held as a JsonValue (a config's prevResult); field paths start at `path`. */
export function resultFromValue(v: JsonValue, path: string = "prevResult"): Result<CniResult, CniError> {
  return checkedResult(ObjectReader.root(v, path));
}

/** The result `r` holds, or code 7 listing every bad field. */
function checkedResult(r: ObjectReader): Result<CniResult, CniError> {
  const res = readResult(r);
  if (!r.errors.ok) return fail<CniResult>(newCniError(CniErrorCode.INVALID_NETWORK_CONFIG, E_INVALID_RESULT, r.errors.toString()));
  return ok<CniResult, CniError>(res);
}
