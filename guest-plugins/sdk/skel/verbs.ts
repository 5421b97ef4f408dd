// STATUS, GC and CHECK of a plugin that delegates to an IPAM plugin, each as its Go cmdStatus,
// cmdGC and cmdCheck run: load the plugin's config, then the IPAM plugin, then what only the
// plugin knows (its parent link, its bridge, its kind). A plugin passes its own config loader
// and check, so its verbs are one line each:
//   function cmdStatus(req: Request): Done { return statusVerb<MacvlanConf>(req, loadConfig, ready); }
// The config type C must have `net: NetConf` (the common keys, with `ipam.type`).
import { NetnsId, CniError, Request } from "../bindings/index";
import { Result, Unit } from "../abi/index";
import { CniResult, CniErrorCode, NetConf, Done, done, fail, notAvailableError } from "../types/index";
import { ipamCheck, ipamStatus, ipamGc } from "../ipam/index";
import { containerNetns } from "../ns/index";

/**
 * STATUS: the config reads, `ready` (the plugin's own readiness, null for none) is done, and
 * the IPAM plugin named by `ipam.type` is ready (SPEC.md: a plugin passes STATUS on to its
 * delegate). Reads only; changes nothing.
 */
export function statusVerb<C>(
  req: Request, load: (req: Request) => Result<C, CniError>, ready: ((conf: C) => Done) | null,
): Done {
  const c = load(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  if (ready != null) {
    const e = ready(conf);
    if (e.isErr) return e;
  }
  return ipamReady(conf.net);
}

/**
 * GC: the plugin's own part `gc` (null for none: e.g. bridge's firewall rules of stale
 * attachments), then the IPAM plugin's GC (both read cni.dev/valid-attachments). The IPAM GC
 * runs even when the plugin's part failed (GC frees what it can); the first error is returned.
 */
export function gcVerb<C>(
  req: Request, load: (req: Request) => Result<C, CniError>, gc: ((conf: C) => Done) | null = null,
): Done {
  const c = load(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  const net = conf.net;
  const own = gc != null ? gc(conf) : done();
  const i = net.ipamType.length > 0 ? ipamGc(net) : done();
  return own.isErr ? own : i;
}

/**
 * CHECK: the config reads, the container netns opens, the IPAM plugin's CHECK passes and the
 * prevResult parses; then `check` compares the live state in `ns` with that prevResult.
 */
export function checkVerb<C>(
  req: Request, load: (req: Request) => Result<C, CniError>,
  check: (req: Request, conf: C, ns: NetnsId, prev: CniResult) => Done,
): Done {
  const c = load(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<Unit>();
  if (conf.net.ipamType.length > 0) {
    const e = ipamCheck(conf.net);
    if (e.isErr) return e;
  }
  const p = conf.net.parsePrevResult();
  if (p.isErr) return p.pass<Unit>();
  return check(req, conf, cns.value, p.value);
}

/**
 * The IPAM plugin's STATUS ("" for none: ready). Its own answer passes through (host-local's
 * 50 for a full range); an internal failure (not installed, not granted, a trap) means no ADD
 * can get an address, so it becomes 50 naming the plugin.
 */
function ipamReady(net: NetConf): Done {
  if (net.ipamType.length == 0) return done();
  const s = ipamStatus(net);
  if (s.isOk || s.error.code != CniErrorCode.INTERNAL) return s;
  const e = s.error;
  return fail<Unit>(notAvailableError("IPAM plugin not available: \"" + net.ipamType + "\": " + e.msg, e.details));
}
