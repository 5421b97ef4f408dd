// Deleting links, with DEL's idempotence: "not found" and "netns gone" count as done, as
// ip.DelLinkByName's ErrLinkNotFound and ns.NSPathNotExistErr do in the Go plugins.
import { netns, link, NetnsId, Request } from "../bindings/index";
import { Unit } from "../abi/index";
import { Done, done, fail, hostErrorToCni, isGone } from "../types/index";

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
