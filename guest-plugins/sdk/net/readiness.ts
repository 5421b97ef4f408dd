// STATUS readiness of what a plugin needs in the host netns, read without changing anything
// (SPEC.md STATUS): 50 when ADD would fail, 51 when, besides, the containers already attached
// may have lost connectivity. A plugin without the host-netns grant cannot look, and says ready.
import { netns, link, NetnsId, CniError, HostError } from "../bindings/index";
import { Result, ok, err } from "../abi/index";
import { notAvailableError, limitedConnectivityError } from "../cni/index";
import { hostErrorToCni } from "./host-error";
import { defaultRouteLink } from "./parent-link";
import {
  E_INVALID_MTU, E_LOOKUP_LINK, E_LOOKUP_MASTER, E_MASTER_GONE, E_MTU_RANGE, E_NO_MASTER, E_NOT_A, E_OPEN_NETNS,
} from "./errors";

/**
 * The parent of a macvlan, ipvlan or vlan, as findParent would pick it for ADD: `master` (or
 * the default route's link) exists in the host netns, and `mtu` fits it. A master that is gone
 * took the links made on it along (51); no default route or too small an MTU only stops ADD
 * (50). With linkInContainer the parent is in a container netns STATUS has none of: ready.
 */
export function parentReady(master: string, inContainer: bool, mtu: u32): CniError | null {
  if (inContainer) return null;
  const h = hostForStatus();
  if (h.isErr) return h.error;
  if (h.value < 0) return null;
  const ns = <NetnsId>h.value;
  let name = master;
  if (name.length == 0) {
    const d = defaultRouteLink(ns);
    if (d.isErr) return notAvailableError(E_NO_MASTER + d.error.msg);
    name = d.value;
  }
  const r = link.get(ns, name);
  if (r.isErr) {
    if (r.error.isNotFound) return limitedConnectivityError(E_MASTER_GONE + "\"" + name + "\"");
    return notAvailableHost(r.error, E_LOOKUP_MASTER + "\"" + name + "\"");
  }
  if (mtu > r.value.mtu) return notAvailableError(E_INVALID_MTU + mtu.toString() + E_MTU_RANGE + r.value.mtu.toString() + ")]");
  return null;
}

/**
 * A link ADD makes when absent or takes as it is (bridge's `bridge`): absent or of `kind` in
 * the host netns is ready; a link of that name of another kind makes ADD fail (50).
 */
export function linkReady(name: string, kind: string): CniError | null {
  const h = hostForStatus();
  if (h.isErr) return h.error;
  if (h.value < 0) return null;
  const r = link.get(<NetnsId>h.value, name);
  if (r.isErr) return r.error.isNotFound ? null : notAvailableHost(r.error, E_LOOKUP_LINK + "\"" + name + "\"");
  return r.value.kind == kind ? null : notAvailableError("\"" + name + "\"" + E_NOT_A + kind);
}

/** The host netns handle, -1 when the grant does not give it (nothing to check), or 50. */
function hostForStatus(): Result<i64, CniError> {
  const h = netns.host();
  if (h.isOk) return ok<i64, CniError>(<i64>h.value);
  if (h.error.isDenied) return ok<i64, CniError>(-1);
  return err<i64, CniError>(notAvailableHost(h.error, E_OPEN_NETNS));
}

function notAvailableHost(e: HostError, context: string): CniError {
  return notAvailableError(hostErrorToCni(e, context).msg);
}
