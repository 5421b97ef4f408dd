// ipvlan: the container gets an ipvlan device on a host link (`master`): it shares the master's
// MAC and is told apart by its addresses, as containernetworking/plugins' plugins/main/ipvlan
// does. Made as CNI_IFNAME directly in the container netns. Addresses come from the IPAM plugin
// (run in process), or, chained without one, from the prevResult (whose one interface is then
// the master when `master` is not set).
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetConf, NetnsId, ok, err, okUnit, parseNetConf, containerNetns, findParent,
  createLink, attachLink, detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, parentReady, internalError, invalidConfigError,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_MODE = "must be one of l2, l3, l3s";
// @ts-ignore: decorator
@lazy @inline const E_CHAINED_MASTER = "chained master failure. PrevResult lacks a single named interface";
// @ts-ignore: decorator
@lazy @inline const E_MODE_DIFFERS = "Container IPVlan mode ";
// @ts-ignore: decorator
@lazy @inline const E_NOT_EXPECTED = " does not match expected value: ";
// @ts-ignore: decorator
@lazy @inline const E_NO_IPAM = "field \"ipam.type\" is required unless a prevResult holds the addresses";

class IpvlanConf {
  master: string = "";
  mode: link.IpvlanMode = link.IpvlanMode.L2;
  mtu: u32 = 0;
  linkInContainer: bool = false;
  /** A chained call's addresses (no IPAM plugin and a prevResult with addresses). */
  prev: CniResult | null = null;
  constructor(public net: NetConf) {}
}

/** Go's keys: master, mode, mtu, linkInContainer, ipam; a prevResult may stand in for IPAM and master. */
function loadConfig(req: Request): Result<IpvlanConf, CniError> {
  const p = parseNetConf(req.config);
  if (!p.ok) return err<IpvlanConf, CniError>(p.error!);
  const c = new IpvlanConf(p.conf!);
  const r = c.net.reader;
  c.master = r.optString("master");
  const mode = r.optString("mode");
  if (mode == "" || mode == "l2") c.mode = link.IpvlanMode.L2;
  else if (mode == "l3") c.mode = link.IpvlanMode.L3;
  else if (mode == "l3s") c.mode = link.IpvlanMode.L3S;
  else r.fail("mode", E_MODE);
  c.mtu = r.optU32("mtu");
  c.linkInContainer = r.optBool("linkInContainer");
  const bad = c.net.check();
  if (bad != null) return err<IpvlanConf, CniError>(bad);
  if (c.net.prevResult != null) {
    const prev = c.net.parsePrevResult();
    if (!prev.ok) return err<IpvlanConf, CniError>(prev.error!);
    const res = prev.result!;
    if (c.master.length == 0) {
      if (res.interfaces.length != 1 || res.interfaces[0].name.length == 0) return err<IpvlanConf, CniError>(internalError(E_CHAINED_MASTER));
      c.master = res.interfaces[0].name;
    }
    if (c.net.ipamType.length == 0 && res.ips.length > 0) c.prev = res;
  }
  return ok<IpvlanConf, CniError>(c);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  if (conf.prev == null && conf.net.ipamType.length == 0) return err<string, CniError>(invalidConfigError(E_NO_IPAM));
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const parent = findParent(cns.value, conf.master, conf.linkInContainer, conf.mtu);
  if (parent.isErr) return err<string, CniError>(parent.error);
  const attrs = new link.IpvlanAttrs();
  attrs.parent = parent.value.name;
  attrs.parentNs = parent.value.ns;
  attrs.mode = conf.mode;
  attrs.isolation = link.IpvlanIsolation.BRIDGE;
  const made = createLink(cns.value, req.ifname, conf.mtu, "", link.LinkKind.ipvlan(attrs), "ipvlan");
  if (made.isErr) return err<string, CniError>(made.error);
  return attachLink(conf.net, req, cns.value, made.value, true, conf.prev);
}

function cmdDel(req: Request): Result<Unit, CniError> {
  const p = parseNetConf(req.config);
  if (!p.ok) return err<Unit, CniError>(p.error!);
  const e = detachLink(p.conf!, req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** The link, its addresses and routes; its mode is the config's (Go's validateCniContainerInterface). */
function check(req: Request, conf: IpvlanConf, cns: NetnsId, prev: CniResult): CniError | null {
  const l = checkAttachedLink(req, cns, prev, "ipvlan");
  if (l.isErr) return l.error;
  const mode = l.value.ipvlanMode;
  if (mode == null || mode.value != conf.mode) {
    return internalError(E_MODE_DIFFERS + (mode != null ? modeName(mode.value) : "unknown") + E_NOT_EXPECTED + modeName(conf.mode));
  }
  return null;
}

/** The master (or the default route's link) exists and takes the MTU; then IPAM. */
function ready(conf: IpvlanConf): CniError | null {
  return parentReady(conf.master, conf.linkInContainer, conf.mtu);
}

function modeName(m: link.IpvlanMode): string {
  return m == link.IpvlanMode.L3 ? "l3" : m == link.IpvlanMode.L3S ? "l3s" : "l2";
}

function cmdCheck(req: Request): Result<Unit, CniError> { return checkVerb<IpvlanConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Result<Unit, CniError> { return statusVerb<IpvlanConf>(req, loadConfig, ready); }
function cmdGc(req: Request): Result<Unit, CniError> { return gcVerb<IpvlanConf>(req, loadConfig); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
