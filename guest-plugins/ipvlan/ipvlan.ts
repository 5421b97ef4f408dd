// ipvlan: the container gets an ipvlan device on a host link (`master`): it shares the master's
// MAC and is told apart by its addresses, as containernetworking/plugins' plugins/main/ipvlan
// does. Made as CNI_IFNAME directly in the container netns. Addresses come from the IPAM plugin
// (run in process), or, chained without one, from the prevResult (whose one interface is then
// the master when `master` is not set).
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetConf, NetnsId, Done, done, fail, ok, parseNetConf, containerNetns,
  findParent, createLink, attachLink, detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, parentReady, internalError,
  invalidConfigError,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

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
  if (p.isErr) return p.pass<IpvlanConf>();
  const c = new IpvlanConf(p.value);
  const r = c.net.reader;
  c.master = r.optString("master");
  const mode = r.optString("mode");
  if (mode == "" || mode == "l2") c.mode = link.IpvlanMode.L2;
  else if (mode == "l3") c.mode = link.IpvlanMode.L3;
  else if (mode == "l3s") c.mode = link.IpvlanMode.L3S;
  else r.fail("mode", "must be one of l2, l3, l3s");
  c.mtu = r.optU32("mtu");
  c.linkInContainer = r.optBool("linkInContainer");
  const bad = c.net.check();
  if (bad.isErr) return bad.pass<IpvlanConf>();
  if (c.net.prevResult != null) {
    const prev = c.net.parsePrevResult();
    if (prev.isErr) return prev.pass<IpvlanConf>();
    const res = prev.value;
    if (c.master.length == 0) {
      if (res.interfaces.length != 1 || res.interfaces[0].name.length == 0) {
        return fail<IpvlanConf>(internalError("chained master failure. PrevResult lacks a single named interface"));
      }
      c.master = res.interfaces[0].name;
    }
    if (c.net.ipamType.length == 0 && res.ips.length > 0) c.prev = res;
  }
  return ok<IpvlanConf, CniError>(c);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  if (conf.prev == null && conf.net.ipamType.length == 0) {
    return fail<string>(invalidConfigError("field \"ipam.type\" is required unless a prevResult holds the addresses"));
  }
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const parent = findParent(cns.value, conf.master, conf.linkInContainer, conf.mtu);
  if (parent.isErr) return parent.pass<string>();
  const attrs = new link.IpvlanAttrs();
  attrs.parent = parent.value.name;
  attrs.parentNs = parent.value.ns;
  attrs.mode = conf.mode;
  attrs.isolation = link.IpvlanIsolation.BRIDGE;
  const made = createLink(cns.value, req.ifname, conf.mtu, "", link.LinkKind.ipvlan(attrs), "ipvlan");
  if (made.isErr) return made.pass<string>();
  return attachLink(conf.net, req, cns.value, made.value, true, conf.prev);
}

function cmdDel(req: Request): Done {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  return detachLink(p.value, req);
}

/** The link, its addresses and routes; its mode is the config's (Go's validateCniContainerInterface). */
function check(req: Request, conf: IpvlanConf, cns: NetnsId, prev: CniResult): Done {
  const l = checkAttachedLink(req, cns, prev, "ipvlan");
  if (l.isErr) return l.pass<Unit>();
  const mode = l.value.ipvlanMode;
  if (mode == null || mode.value != conf.mode) {
    const have = mode != null ? modeName(mode.value) : "unknown";
    return fail<Unit>(internalError("Container IPVlan mode " + have + " does not match expected value: " + modeName(conf.mode)));
  }
  return done();
}

/** The master (or the default route's link) exists and takes the MTU; then IPAM. */
function ready(conf: IpvlanConf): Done {
  return parentReady(conf.master, conf.linkInContainer, conf.mtu);
}

function modeName(m: link.IpvlanMode): string {
  return m == link.IpvlanMode.L3 ? "l3" : m == link.IpvlanMode.L3S ? "l3s" : "l2";
}

function cmdCheck(req: Request): Done { return checkVerb<IpvlanConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<IpvlanConf>(req, loadConfig, ready); }
function cmdGc(req: Request): Done { return gcVerb<IpvlanConf>(req, loadConfig); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
