// static: IPAM that hands out the addresses its config names, as containernetworking/plugins'
// plugins/ipam/static does. It keeps no state and imports no host interface at all: ADD turns
// the config into a result, DEL has nothing to release, CHECK compares the prevResult.
import { register, Request, Result, Unit, CniError, CniResult, Done, done, fail, parseNetConf, ok, internalError, checkKnownArgs } from "@wasm-cni/sdk";
import { loadConfig } from "./config";
export * from "@wasm-cni/sdk/exports";

/** The CNI_ARGS keys static reads; ADD and CHECK refuse others without IgnoreUnknown, as Go. */
const KNOWN_ARGS = ["IP", "GATEWAY"];

function cmdAdd(req: Request): Result<string, CniError> {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a.pass<string>();
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const result = new CniResult();
  for (let i = 0; i < conf.addresses.length; i++) result.addIP(conf.addresses[i].address, conf.addresses[i].gateway);
  result.routes = conf.routes;
  result.dns = conf.dns;
  return ok<string, CniError>(result.toJson());
}

/** Nothing to release: the addresses are the config's. */
function cmdDel(req: Request): Done {
  return done();
}

/** Every configured address is in the prevResult, with the configured gateway when one is set. */
function cmdCheck(req: Request): Done {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a;
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  const prev = p.value.parsePrevResult();
  if (prev.isErr) return prev.pass<Unit>();
  const ips = prev.value.ips;
  const want = c.value.addresses;
  for (let i = 0; i < want.length; i++) {
    let found = false;
    for (let j = 0; j < ips.length && !found; j++) {
      if (!ips[j].address.ip.equals(want[i].address.ip)) continue;
      const gw = want[i].gateway, have = ips[j].gateway;
      found = gw == null || (have != null && have.equals(gw));
    }
    if (!found) {
      return fail<Unit>(internalError("static: Failed to match addr " + want[i].address.ip.toString() + " on interface " + req.ifname));
    }
  }
  return done();
}

function cmdStatus(req: Request): Done {
  const c = loadConfig(req);
  return c.isErr ? c.pass<Unit>() : done();
}

function cmdGc(req: Request): Done {
  return done(); // no state
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
