// vlan: the container gets an 802.1Q VLAN device on a host link (`master`), as
// containernetworking/plugins' plugins/main/vlan does, made as CNI_IFNAME directly in the
// container netns; addresses from the IPAM plugin (run in process), which vlan requires.
// Capabilities: netns (with the host netns, where the master is), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, CniResult, NetConf, NetnsId, ok, err, okUnit, parseNetConf, containerNetns, findParent,
  createLink, attachLink, detachLink, checkAttachedLink, checkVerb, statusVerb, gcVerb, parentReady, internalError,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

// @ts-ignore: decorator
@lazy @inline const E_VLAN_ID = "must be a VLAN id from 0 to 4094";
// @ts-ignore: decorator
@lazy @inline const E_ID_DIFFERS = "Container VLAN id ";
// @ts-ignore: decorator
@lazy @inline const E_NOT_EXPECTED = " does not match expected value: ";

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
  if (!p.ok) return err<VlanConf, CniError>(p.error!);
  const c = new VlanConf(p.conf!);
  const r = c.net.reader;
  c.master = r.string("master");
  c.vlanId = r.optU32("vlanId");
  if (c.vlanId > 4094) r.fail("vlanId", E_VLAN_ID);
  c.mtu = r.optU32("mtu");
  c.linkInContainer = r.optBool("linkInContainer");
  const ipam = r.object("ipam");
  if (ipam != null) ipam.string("type");
  const bad = c.net.check();
  return bad != null ? err<VlanConf, CniError>(bad) : ok<VlanConf, CniError>(c);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const parent = findParent(cns.value, conf.master, conf.linkInContainer, conf.mtu);
  if (parent.isErr) return err<string, CniError>(parent.error);
  const attrs = new link.VlanAttrs();
  attrs.parent = parent.value.name;
  attrs.parentNs = parent.value.ns;
  attrs.id = <u16>conf.vlanId;
  const made = createLink(cns.value, req.ifname, conf.mtu, "", link.LinkKind.vlan(attrs), "vlan");
  if (made.isErr) return err<string, CniError>(made.error);
  return attachLink(conf.net, req, cns.value, made.value, false);
}

function cmdDel(req: Request): Result<Unit, CniError> {
  const p = parseNetConf(req.config); // DEL needs only the IPAM plugin: a master gone is no reason to fail
  if (!p.ok) return err<Unit, CniError>(p.error!);
  const e = detachLink(p.conf!, req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** The master still exists; the link, its addresses and routes; its VLAN id is the config's. */
function check(req: Request, conf: VlanConf, cns: NetnsId, prev: CniResult): CniError | null {
  const parent = findParent(cns, conf.master, conf.linkInContainer, 0);
  if (parent.isErr) return parent.error;
  const l = checkAttachedLink(req, cns, prev, "vlan");
  if (l.isErr) return l.error;
  const id = l.value.vlanId;
  if (id == null || <u32>id.value != conf.vlanId) {
    return internalError(E_ID_DIFFERS + (id != null ? id.value.toString() : "unknown") + E_NOT_EXPECTED + conf.vlanId.toString());
  }
  return null;
}

/** The master exists and takes the MTU; then IPAM. */
function ready(conf: VlanConf): CniError | null {
  return parentReady(conf.master, conf.linkInContainer, conf.mtu);
}

function cmdCheck(req: Request): Result<Unit, CniError> { return checkVerb<VlanConf>(req, loadConfig, check); }
function cmdStatus(req: Request): Result<Unit, CniError> { return statusVerb<VlanConf>(req, loadConfig, ready); }
function cmdGc(req: Request): Result<Unit, CniError> { return gcVerb<VlanConf>(req, loadConfig); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
