// Delegation to the IPAM plugin named by `ipam.type`, like pkg/ipam's ExecAdd/ExecDel/ExecCheck:
// the host runs it in process, on the config the runtime passed (a plugin names neither the
// IPAM plugin nor its config), and hands back its result JSON. Only the verb of the call in
// progress runs; during ADD, ipam.del undoes this call's own reservation. The IPAM plugin's
// own errors pass through unchanged (skel does not wrap a types.Error either).
import { ipam, CniError, NetnsId } from "../bindings/index";
import { Result } from "../abi/index";
import { CniResult, NetConf, Done, fail, parseResult, internalError, formatCniError } from "../types/index";
import { delLinkIgnoringGone } from "../ip/index";

/**
 * IPAM ADD on the config as received; its result parsed, with at least one address. When the
 * result is unusable the reservation is undone here, so a caller releases only after success.
 * `conf` is unused by the host (it runs `ipam.type` on the runtime's config); kept so that
 * callers read like Go's ipam.ExecAdd(conf.IPAM.Type, stdin).
 */
export function ipamAdd(conf: NetConf): Result<CniResult, CniError> {
  const r = ipam.add();
  if (r.isErr) return fail<CniResult>(r.error);
  const p = parseResult(r.value);
  let bad: CniError | null = null;
  if (p.isErr) bad = internalError("IPAM plugin returned an invalid result: " + formatCniError(p.error));
  else if (p.value.ips.length == 0) bad = internalError("IPAM plugin returned missing IP config");
  if (bad != null) {
    ipam.del(); // during ADD: undoes this call's reservation only
    return fail<CniResult>(bad);
  }
  return p;
}

/**
 * IPAM DEL: releases what ADD reserved; releasing nothing is success (the IPAM plugin's rule).
 * Called during ADD (a failure path), it undoes this call's own reservation instead.
 */
export function ipamDel(conf: NetConf): Done {
  return ipam.del();
}

/** IPAM CHECK. */
export function ipamCheck(conf: NetConf): Done {
  return ipam.check();
}

/** IPAM STATUS: SPEC.md has a plugin pass STATUS on to its IPAM plugin. */
export function ipamStatus(conf: NetConf): Done {
  return ipam.status();
}

/** IPAM GC with the config as received (it carries cni.dev/valid-attachments). */
export function ipamGc(conf: NetConf): Done {
  return ipam.gc();
}

/**
 * ADD failed after IPAM ADD: undoes this call's reservation (when the config names an IPAM
 * plugin) and, when `linkMade`, deletes the container link `ifname`, as Go defers
 * ipam.ExecDel. The host's journal would undo both when the ADD fails; doing it here keeps
 * the plugin correct on its own and the failure path readable.
 */
export function undoAdd(conf: NetConf, ns: NetnsId, ifname: string, linkMade: bool): void {
  if (conf.ipamType.length > 0) ipam.del();
  if (linkMade) delLinkIgnoringGone(ns, ifname);
}
