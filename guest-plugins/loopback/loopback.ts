// loopback: sets lo up in the container netns, as containernetworking/plugins'
// plugins/main/loopback does. ADD returns lo with its first IPv4 and IPv6 address (127.0.0.1/8,
// ::1/128), or passes a prevResult through unchanged; DEL sets lo down; CHECK verifies it is up.
// Capabilities: netns, link, addr, log — no host netns, no routes.
import {
  register, link, addr, Request, Result, Unit, CniError, CniResult, Family, IPNet, ok, err, okUnit, some,
  parseNetConf, internalError, hostErrorToCni, isGone, containerNetns, NetnsId, CURRENT_VERSION,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const LO = "lo"; // CNI_IFNAME is ignored: this plugin only ever handles lo
// @ts-ignore: decorator
@lazy @inline const NULL_MAC = "00:00:00:00:00:00";
// @ts-ignore: decorator
@lazy @inline const E_NOT_LOOPBACK = "loopback interface found with non-loopback address ";
// @ts-ignore: decorator
@lazy @inline const E_DOWN = "loopback interface is down";
// @ts-ignore: decorator
@lazy @inline const E_SET_UP = "failed to set lo up";
// @ts-ignore: decorator
@lazy @inline const E_SET_DOWN = "failed to set lo down";
// @ts-ignore: decorator
@lazy @inline const E_LIST = "failed to list the addresses of lo";

function cmdAdd(req: Request): Result<string, CniError> {
  const p = parseNetConf(req.config);
  if (!p.ok) return err<string, CniError>(p.error!);
  const conf = p.conf!;
  const ns = containerNetns(req);
  if (ns.isErr) return err<string, CniError>(ns.error);
  const up = setLo(ns.value, true);
  if (up != null) return err<string, CniError>(up);
  // A chained loopback passes the previous plugin's result on as it is.
  if (conf.prevResult != null) {
    const prev = conf.parsePrevResult();
    if (!prev.ok) return err<string, CniError>(prev.error!);
    const res = prev.result!;
    res.cniVersion = CURRENT_VERSION;
    return ok<string, CniError>(res.toJson());
  }
  const result = new CniResult();
  const lo = result.addInterface(LO, NULL_MAC, req.netns);
  const families = [Family.V4, Family.V6];
  for (let i = 0; i < families.length; i++) {
    const first = firstAddress(ns.value, families[i]);
    if (first.isErr) return err<string, CniError>(first.error);
    if (first.value != null) result.addIP(first.value!, null, lo);
  }
  return ok<string, CniError>(result.toJson());
}

function cmdDel(req: Request): Result<Unit, CniError> {
  // No netns, or one already gone: nothing to undo (kubernetes#43014).
  if (req.netns.length == 0) return okUnit<CniError>();
  const p = parseNetConf(req.config);
  if (!p.ok) return err<Unit, CniError>(p.error!);
  const ns = containerNetns(req);
  if (ns.isErr) return okUnit<CniError>();
  const down = setLo(ns.value, false);
  return down == null ? okUnit<CniError>() : err<Unit, CniError>(down);
}

function cmdCheck(req: Request): Result<Unit, CniError> {
  const p = parseNetConf(req.config);
  if (!p.ok) return err<Unit, CniError>(p.error!);
  const ns = containerNetns(req);
  if (ns.isErr) return err<Unit, CniError>(ns.error);
  const l = link.get(ns.value, LO);
  if (l.isErr) return err<Unit, CniError>(hostErrorToCni(l.error, LO));
  return l.value.up ? okUnit<CniError>() : err<Unit, CniError>(internalError(E_DOWN));
}

function cmdStatus(req: Request): Result<Unit, CniError> {
  return okUnit<CniError>();
}

function cmdGc(req: Request): Result<Unit, CniError> {
  return okUnit<CniError>(); // loopback holds no state
}

/** lo up or down. Equivalent to: `ip -n $ns link set lo up|down` */
function setLo(ns: NetnsId, up: bool): CniError | null {
  const change = new link.LinkChange();
  change.up = some<bool>(up);
  const r = link.set(ns, LO, change);
  if (r.isErr && !up && isGone(r.error)) return null; // DEL: nothing left to set down
  return r.isErr ? hostErrorToCni(r.error, up ? E_SET_UP : E_SET_DOWN) : null;
}

/** lo's first address of `family`, after checking that every one of them is a loopback address. */
function firstAddress(ns: NetnsId, family: Family): Result<IPNet | null, CniError> {
  const r = addr.list(ns, LO, family);
  if (r.isErr) return err<IPNet | null, CniError>(hostErrorToCni(r.error, E_LIST));
  let first: IPNet | null = null;
  for (let i = 0; i < r.value.length; i++) {
    const n = IPNet.parse(r.value[i].cidr);
    if (n == null) continue;
    if (!n.ip.isLoopback()) return err<IPNet | null, CniError>(internalError(E_NOT_LOOPBACK + n.ip.toString()));
    if (first == null) first = n;
  }
  return ok<IPNet | null, CniError>(first);
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
