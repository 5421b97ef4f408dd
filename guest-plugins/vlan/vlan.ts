// vlan: the container gets an 802.1Q VLAN device on a host link (`master`), as
// containernetworking/plugins' plugins/main/vlan does, made as CNI_IFNAME directly in the
// container netns; addresses from the IPAM plugin (run in process), which vlan requires.
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetConf, NetnsId, Done, done, fail, ok, parseNetConf, containerNetns,
  findParent, createLink, attachLink, detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, parentReady, internalError,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

class VlanConf {
  master: string = "";
  vlanId: u32 = 0;
  mtu: u32 = 0;
  linkInContainer: bool = false;
  constructor(public net: NetConf) {}
}

/** Go's keys: master (required), vlanId, mtu, linkInContainer; ipam.type is required. */
function loadConfig(req: Request): Result<VlanConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<VlanConf>();
  const c = new VlanConf(p.value);
  const r = c.net.reader;
  c.master = r.string("master");
  c.vlanId = r.optU32("vlanId");
  if (c.vlanId > 4094) r.fail("vlanId", "must be a VLAN id from 0 to 4094");
  c.mtu = r.optU32("mtu");
  c.linkInContainer = r.optBool("linkInContainer");
  const ipam = r.object("ipam");
  if (ipam != null) ipam.string("type");
  const bad = c.net.check();
  return bad.isErr ? bad.pass<VlanConf>() : ok<VlanConf, CniError>(c);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const parent = findParent(cns.value, conf.master, conf.linkInContainer, conf.mtu);
  if (parent.isErr) return parent.pass<string>();
  const attrs = new link.VlanAttrs();
  attrs.parent = parent.value.name;
  attrs.parentNs = parent.value.ns;
  attrs.id = <u16>conf.vlanId;
  const made = createLink(cns.value, req.ifname, conf.mtu, "", link.LinkKind.vlan(attrs), "vlan");
  if (made.isErr) return made.pass<string>();
  return attachLink(conf.net, req, cns.value, made.value, false);
}

function cmdDel(req: Request): Done {
  const p = parseNetConf(req.config); // DEL needs only the IPAM plugin: a master gone is no reason to fail
  if (p.isErr) return p.pass<Unit>();
  return detachLink(p.value, req);
}

/** The master still exists; the link, its addresses and routes; its VLAN id is the config's. */
function check(req: Request, conf: VlanConf, cns: NetnsId, prev: CniResult): Done {
  const parent = findParent(cns, conf.master, conf.linkInContainer, 0);
  if (parent.isErr) return parent.pass<Unit>();
  const l = checkAttachedLink(req, cns, prev, "vlan");
  if (l.isErr) return l.pass<Unit>();
  const id = l.value.vlanId;
  if (id == null || <u32>id.value != conf.vlanId) {
    const have = id != null ? id.value.toString() : "unknown";
    return fail<Unit>(internalError("Container VLAN id " + have + " does not match expected value: " + conf.vlanId.toString()));
  }
  return done();
}

/** The master exists and takes the MTU; then IPAM. */
function ready(conf: VlanConf): Done {
  return parentReady(conf.master, conf.linkInContainer, conf.mtu);
}

function cmdCheck(req: Request): Done { return checkVerb<VlanConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Done { return statusVerb<VlanConf>(req, loadConfig, ready); }
function cmdGc(req: Request): Done { return gcVerb<VlanConf>(req, loadConfig); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
