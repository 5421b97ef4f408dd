// static: IPAM that hands out the addresses its config names, as containernetworking/plugins'
// plugins/ipam/static does. It keeps no state and imports no host interface at all: ADD turns
// the config into a result, DEL has nothing to release, CHECK compares the prevResult.
import { register, Request, Result, Unit, CniError, CniResult, parseNetConf, ok, err, okUnit, internalError, checkKnownArgs } from "@wasm-cni/sdk";
import { loadConfig } from "./config";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_NO_MATCH = "static: Failed to match addr ";
// @ts-ignore: decorator
@lazy @inline const E_ON_IFACE = " on interface ";

/** The CNI_ARGS keys static reads; ADD and CHECK refuse others without IgnoreUnknown, as Go. */
const KNOWN_ARGS = ["IP", "GATEWAY"];

function cmdAdd(req: Request): Result<string, CniError> {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a.pass<string>();
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const result = new CniResult();
  for (let i = 0; i < conf.addresses.length; i++) result.addIP(conf.addresses[i].address, conf.addresses[i].gateway);
  result.routes = conf.routes;
  result.dns = conf.dns;
  return ok<string, CniError>(result.toJson());
}

/** Nothing to release: the addresses are the config's. */
function cmdDel(req: Request): Result<Unit, CniError> {
  return okUnit<CniError>();
}

/** Every configured address is in the prevResult, with the configured gateway when one is set. */
function cmdCheck(req: Request): Result<Unit, CniError> {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a;
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const p = parseNetConf(req.config);
  const prev = p.conf!.parsePrevResult();
  if (!prev.ok) return err<Unit, CniError>(prev.error!);
  const ips = prev.result!.ips;
  const want = c.value.addresses;
  for (let i = 0; i < want.length; i++) {
    let found = false;
    for (let j = 0; j < ips.length && !found; j++) {
      if (!ips[j].address.ip.equals(want[i].address.ip)) continue;
      const gw = want[i].gateway, have = ips[j].gateway;
      found = gw == null || (have != null && have.equals(gw));
    }
    if (!found) return err<Unit, CniError>(internalError(E_NO_MATCH + want[i].address.ip.toString() + E_ON_IFACE + req.ifname));
  }
  return okUnit<CniError>();
}

function cmdStatus(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  return c.isErr ? err<Unit, CniError>(c.error) : okUnit<CniError>();
}

function cmdGc(req: Request): Result<Unit, CniError> {
  return okUnit<CniError>(); // no state
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
