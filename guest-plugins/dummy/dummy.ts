// dummy: the container gets a dummy device (a link with no wire) holding the IPAM addresses,
// as containernetworking/plugins' plugins/main/dummy does. The link is made as CNI_IFNAME in
// the container netns; nothing is made in the host netns.
// Capabilities: netns (container only), link, addr, route, sysctl, ipam.
import {
  register, link, Request, Result, Unit, CniError, NetConf, ok, err, okUnit, parseNetConf, containerNetns, createLink, attachLink,
  detachLink, checkAttachedLink, attachedStatus, attachedGc,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

/** The common keys and `ipam.type`, which dummy requires (its link has no other use). */
function loadConfig(req: Request): Result<NetConf, CniError> {
  const p = parseNetConf(req.config);
  if (!p.ok) return err<NetConf, CniError>(p.error!);
  const conf = p.conf!;
  const ipam = conf.reader.object("ipam");
  if (ipam != null) ipam.string("type");
  const bad = conf.check();
  return bad != null ? err<NetConf, CniError>(bad) : ok<NetConf, CniError>(conf);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const cns = containerNetns(req);
  if (cns.isErr) return err<string, CniError>(cns.error);
  const made = createLink(cns.value, req.ifname, 0, "", link.LinkKind.dummy(), "dummy");
  if (made.isErr) return err<string, CniError>(made.error);
  return attachLink(c.value, req, cns.value, made.value, false);
}

function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = detachLink(c.value, req);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

function cmdCheck(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const cns = containerNetns(req);
  if (cns.isErr) return err<Unit, CniError>(cns.error);
  const e = checkAttachedLink(c.value, req, cns.value, "dummy");
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

function cmdStatus(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = attachedStatus(c.value);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

/** No state of its own: the IPAM plugin's GC. */
function cmdGc(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const e = attachedGc(c.value);
  return e != null ? err<Unit, CniError>(e) : okUnit<CniError>();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
