// STATUS readiness of what a plugin needs in the host netns, read without changing anything
// (SPEC.md STATUS): 50 when ADD would fail, 51 when, besides, the containers already attached
// may have lost connectivity. A plugin without the host-netns grant cannot look, and says ready.
import { netns, link, NetnsId, CniError, HostError } from "../bindings/index";
import { Result, Unit, ok } from "../abi/index";
import { Done, done, fail, notAvailableError, limitedConnectivityError, hostErrorToCni } from "../types/index";
import { defaultRouteLink, mtuTooBig } from "./parent-link";

/**
 * The parent of a macvlan, ipvlan or vlan, as findParent would pick it for ADD: `master` (or
 * the default route's link) exists in the host netns, and `mtu` fits it. A master that is gone
 * took the links made on it along (51); no default route or too small an MTU only stops ADD
 * (50). With linkInContainer the parent is in a container netns STATUS has none of: ready.
 */
export function parentReady(master: string, inContainer: bool, mtu: u32): Done {
  if (inContainer) return done();
  const h = hostForStatus();
  if (h.isErr) return h.pass<Unit>();
  if (h.value < 0) return done();
  const ns = <NetnsId>h.value;
  let name = master;
  if (name.length == 0) {
    const d = defaultRouteLink(ns);
    if (d.isErr) return fail<Unit>(notAvailableError("no master: " + d.error.msg));
    name = d.value;
  }
  const r = link.get(ns, name);
  if (r.isErr) {
    if (r.error.isNotFound) {
      return fail<Unit>(limitedConnectivityError("master is gone, and with it every link made on it: \"" + name + "\""));
    }
    return fail<Unit>(notAvailableHost(r.error, "failed to lookup master \"" + name + "\""));
  }
  if (mtu > r.value.mtu) return fail<Unit>(notAvailableError(mtuTooBig(mtu, r.value.mtu)));
  return done();
}

/**
 * A link ADD makes when absent or takes as it is (bridge's `bridge`): absent or of `kind` in
 * the host netns is ready; a link of that name of another kind makes ADD fail (50).
 */
export function linkReady(name: string, kind: string): Done {
  const h = hostForStatus();
  if (h.isErr) return h.pass<Unit>();
  if (h.value < 0) return done();
  const r = link.get(<NetnsId>h.value, name);
  if (r.isErr) return r.error.isNotFound ? done() : fail<Unit>(notAvailableHost(r.error, "failed to look up link \"" + name + "\""));
  return r.value.kind == kind ? done() : fail<Unit>(notAvailableError("\"" + name + "\" exists but is not a " + kind));
}

/** The host netns handle, -1 when the grant does not give it (nothing to check), or 50. */
function hostForStatus(): Result<i64, CniError> {
  const h = netns.host();
  if (h.isOk) return ok<i64, CniError>(<i64>h.value);
  if (h.error.isDenied) return ok<i64, CniError>(-1);
  return fail<i64>(notAvailableHost(h.error, "failed to open netns"));
}

function notAvailableHost(e: HostError, context: string): CniError {
  return notAvailableError(hostErrorToCni(e, context).msg);
}
