// The namespaces of a call and DEL's idempotence: "not found" and "netns gone" count as done,
// as ip.ErrLinkNotFound and ns.NSPathNotExistErr do in the Go plugins.
import { netns, link, ipam, NetnsId, CniError, Request } from "../bindings/index";
import { NetConf, Done, done, fail } from "../cni/index";
import { Result, Unit, ok } from "../abi/index";
import { hostErrorToCni, isGone } from "./host-error";

/** The container netns (CNI_NETNS) as a handle, or code 999 naming it. */
export function containerNetns(req: Request): Result<NetnsId, CniError> {
  const r = netns.container();
  if (r.isErr) return fail<NetnsId>(hostErrorToCni(r.error, "failed to open netns " + req.netns));
  return ok<NetnsId, CniError>(r.value);
}

/** The host netns (where the runtime exec'd us) as a handle; needs the host-netns grant. */
export function hostNetns(): Result<NetnsId, CniError> {
  const r = netns.host();
  if (r.isErr) return fail<NetnsId>(hostErrorToCni(r.error, "failed to open netns"));
  return ok<NetnsId, CniError>(r.value);
}

/** Deletes a link; a link (or netns) already gone is success. Equivalent to: `ip link del $name` */
export function delLinkIgnoringGone(ns: NetnsId, name: string): Done {
  const r = link.del(ns, name);
  if (r.isErr && !isGone(r.error)) return fail<Unit>(hostErrorToCni(r.error, "failed to delete " + name));
  return done();
}

/**
 * DEL's container side: deletes CNI_IFNAME in the container netns (a veth takes its peer with
 * it). No CNI_NETNS, a netns already gone or a link already gone are all success.
 */
export function delContainerLink(req: Request): Done {
  if (req.netns.length == 0) return done();
  const ns = netns.container();
  if (ns.isErr) return isGone(ns.error) ? done() : fail<Unit>(hostErrorToCni(ns.error, "failed to open netns " + req.netns));
  return delLinkIgnoringGone(ns.value, req.ifname);
}

/**
 * ADD failed after IPAM ADD: undoes this call's reservation (when the config names an IPAM
 * plugin) and, when `linkMade`, deletes the container end of the pair, as Go defers
 * ipam.ExecDel. The host's journal would undo both when the ADD fails; doing it here keeps
 * the plugin correct on its own and the failure path readable.
 */
export function undoAdd(conf: NetConf, ns: NetnsId, ifname: string, linkMade: bool): void {
  if (conf.ipamType.length > 0) ipam.del();
  if (linkMade) delLinkIgnoringGone(ns, ifname);
}
