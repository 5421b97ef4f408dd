// loopback: sets lo up in the container netns, as containernetworking/plugins'
// plugins/main/loopback does. ADD returns lo with its first IPv4 and IPv6 address (127.0.0.1/8,
// ::1/128), or passes a prevResult through unchanged; DEL sets lo down; CHECK verifies it is up.
// Capabilities: netns, link, addr, log — no host netns, no routes.
import {
  register, link, addr, Request, Result, Unit, CniError, CniResult, Family, IPNet, Done, done, fail, ok, some,
  parseNetConf, internalError, hostErrorToCni, isGone, containerNetns, NetnsId, CURRENT_VERSION,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const LO = "lo"; // CNI_IFNAME is ignored: this plugin only ever handles lo
// @ts-ignore: decorator
@lazy @inline const NULL_MAC = "00:00:00:00:00:00";

function cmdAdd(req: Request): Result<string, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<string>();
  const conf = p.value;
  const ns = containerNetns(req);
  if (ns.isErr) return ns.pass<string>();
  const up = setLo(ns.value, true);
  if (up.isErr) return up.pass<string>();
  // A chained loopback passes the previous plugin's result on as it is.
  if (conf.prevResult != null) {
    const prev = conf.parsePrevResult();
    if (prev.isErr) return prev.pass<string>();
    const res = prev.value;
    res.cniVersion = CURRENT_VERSION;
    return ok<string, CniError>(res.toJson());
  }
  const result = new CniResult();
  const lo = result.addInterface(LO, NULL_MAC, req.netns);
  const families = [Family.V4, Family.V6];
  for (let i = 0; i < families.length; i++) {
    const first = firstAddress(ns.value, families[i]);
    if (first.isErr) return first.pass<string>();
    if (first.value != null) result.addIP(first.value!, null, lo);
  }
  return ok<string, CniError>(result.toJson());
}

function cmdDel(req: Request): Done {
  // No netns, or one already gone: nothing to undo (kubernetes#43014).
  if (req.netns.length == 0) return done();
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  const ns = containerNetns(req);
  if (ns.isErr) return done();
  return setLo(ns.value, false);
}

function cmdCheck(req: Request): Done {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  const ns = containerNetns(req);
  if (ns.isErr) return ns.pass<Unit>();
  const l = link.get(ns.value, LO);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, LO));
  return l.value.up ? done() : fail<Unit>(internalError("loopback interface is down"));
}

function cmdStatus(req: Request): Done {
  return done();
}

function cmdGc(req: Request): Done {
  return done(); // loopback holds no state
}

/** lo up or down. Equivalent to: `ip -n $ns link set lo up|down` */
function setLo(ns: NetnsId, up: bool): Done {
  const change = new link.LinkChange();
  change.up = some<bool>(up);
  const r = link.set(ns, LO, change);
  if (r.isErr && !up && isGone(r.error)) return done(); // DEL: nothing left to set down
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, up ? "failed to set lo up" : "failed to set lo down")) : done();
}

/** lo's first address of `family`, after checking that every one of them is a loopback address. */
function firstAddress(ns: NetnsId, family: Family): Result<IPNet | null, CniError> {
  const r = addr.list(ns, LO, family);
  if (r.isErr) return fail<IPNet | null>(hostErrorToCni(r.error, "failed to list the addresses of lo"));
  let first: IPNet | null = null;
  for (let i = 0; i < r.value.length; i++) {
    const n = IPNet.parse(r.value[i].cidr);
    if (n == null) continue;
    if (!n.ip.isLoopback()) return fail<IPNet | null>(internalError("loopback interface found with non-loopback address " + n.ip.toString()));
    if (first == null) first = n;
  }
  return ok<IPNet | null, CniError>(first);
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
