// routed's config and the result it gives the pod (pure: no host calls), apart from the verbs
// so that the guest suite in test/ can run them.
import { Request, Result, CniError, CniResult, NetConf, IP, IPNet, ok, parseNetConf, CURRENT_VERSION } from "@wasm-cni/sdk";

/** The container's IPv4 gateway: link-local, held by no host; the host end answers ARP for it. */
// @ts-ignore: decorator
@lazy const GATEWAY4 = "169.254.1.1";
/** The container's IPv6 gateway: every host end holds it (link-local, so once per link is fine). */
// @ts-ignore: decorator
@lazy const GATEWAY6 = "fe80::1";
// @ts-ignore: decorator
@lazy const MIN_MTU: u32 = 68;
// @ts-ignore: decorator
@lazy const MAX_MTU: u32 = 65535;

export class RoutedConf {
  mtu: u32 = 0;
  constructor(public net: NetConf) {}
}

/** `mtu` (0 or absent: the kernel's default) and `ipam` with its `type` (required: layer 3 only). */
export function loadConfig(req: Request): Result<RoutedConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<RoutedConf>();
  const c = new RoutedConf(p.value);
  const r = c.net.reader;
  c.mtu = r.optU32("mtu");
  if (c.mtu != 0 && (c.mtu < MIN_MTU || c.mtu > MAX_MTU)) {
    r.fail("mtu", "is " + c.mtu.toString() + ", must be 0 (the kernel's default) or between 68 and 65535");
  }
  const ipam = r.object("ipam");
  if (ipam != null) ipam.string("type");
  const bad = c.net.check();
  return bad.isErr ? bad.pass<RoutedConf>() : ok<RoutedConf, CniError>(c);
}

export function gatewayOf(is4: bool): IP {
  return IP.parse(is4 ? GATEWAY4 : GATEWAY6)!;
}

/**
 * The IPAM result as the pod gets it: each address as a /32 (/128) with its family's
 * link-local gateway, a default route per family, then IPAM's other routes, each via the
 * gateway (the pod reaches nothing but its host end directly).
 */
export function routedResult(ipamResult: CniResult): CniResult {
  const result = new CniResult();
  result.cniVersion = CURRENT_VERSION; // ours, whatever IPAM answered in
  let v4 = false, v6 = false;
  for (let i = 0; i < ipamResult.ips.length; i++) {
    const a = ipamResult.ips[i].address;
    result.addIP(IPNet.host(a.ip), gatewayOf(a.is4));
    if (a.is4) v4 = true;
    else v6 = true;
  }
  if (v4) result.addRoute(IPNet.parse("0.0.0.0/0")!, gatewayOf(true));
  if (v6) result.addRoute(IPNet.parse("::/0")!, gatewayOf(false));
  for (let i = 0; i < ipamResult.routes.length; i++) {
    const r = ipamResult.routes[i];
    if (r.dst.prefix == 0 || (r.dst.is4 ? !v4 : !v6)) continue; // the default is there already
    const copy = result.addRoute(r.dst.masked(), gatewayOf(r.dst.is4));
    copy.priority = r.priority;
    copy.mtu = r.mtu;
    copy.advmss = r.advmss;
  }
  return result;
}

