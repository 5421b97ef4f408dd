// ipMasq and macspoofchk for plugins, over the firewall capability: the host keeps the rules
// in the plugin's own nftables tables, tagged with the call's network and container, so a
// plugin passes only addresses and MACs (like the reference plugins'
// ip.SetupIPMasqForNetworks and link.NewSpoofChecker).
import { firewall, CniError, NetnsId } from "../bindings/index";
import { CniResult, internalError, invalidConfigError } from "../cni/index";
import { hostErrorToCni, hostNetns, isGone } from "../net/index";

// @ts-ignore: decorator
@lazy @inline const E_MASQ = "failed to setup IP masquerade for ";
// @ts-ignore: decorator
@lazy @inline const E_SPOOF = "failed to setup the MAC spoof check on ";
// @ts-ignore: decorator
@lazy @inline const E_TEARDOWN = "failed to remove the firewall rules";
// @ts-ignore: decorator
@lazy @inline const E_LIST = "failed to read the firewall rules";
// @ts-ignore: decorator
@lazy @inline const E_GC = "failed to remove the firewall rules of stale attachments";
// @ts-ignore: decorator
@lazy @inline const E_NO_MASQ = "ipMasq: no masquerade rule for ";
// @ts-ignore: decorator
@lazy @inline const E_NO_SPOOF = "macspoofchk: no spoof check for ";

/**
 * Masquerades each address of the result to outside its subnet (not multicast).
 * Equivalent to: `ip.SetupIPMasqForNetworks` (one nftables rule per address)
 */
export function setupIPMasq(ns: NetnsId, result: CniResult): CniError | null {
  for (let i = 0; i < result.ips.length; i++) {
    const cidr = result.ips[i].address.toString();
    const r = firewall.ensureMasquerade(ns, cidr);
    if (r.isErr) return hostErrorToCni(r.error, E_MASQ + cidr);
  }
  return null;
}

/** Drops frames from host interface `ifname` whose source MAC is not `mac` (bridge's macspoofchk). */
export function setupSpoofCheck(ns: NetnsId, ifname: string, mac: string): CniError | null {
  const check = new firewall.SpoofCheck();
  check.ifname = ifname;
  check.mac = mac;
  const r = firewall.ensureSpoofCheck(ns, check);
  return r.isErr ? hostErrorToCni(r.error, E_SPOOF + ifname) : null;
}

/** Removes every rule of this container (DEL); nothing there, or a gone netns, is success. */
export function teardownFirewall(ns: NetnsId): CniError | null {
  const r = firewall.remove(ns);
  return r.isErr && !isGone(r.error) ? hostErrorToCni(r.error, E_TEARDOWN) : null;
}

/**
 * GC: the host removes from the plugin's tables the rules of this network's attachments that
 * are not in the runtime's `cni.dev/valid-attachments` (code 7 when the config has none; the
 * host reads the list), as the reference plugins GC their ipmasq chains. The host netns opens
 * here; the host names the tables.
 */
export function gcFirewall(): CniError | null {
  const hns = hostNetns();
  if (hns.isErr) return hns.error;
  const r = firewall.retain(hns.value);
  if (r.isErr && r.error.isInvalid) return invalidConfigError(r.error.invalid); // the config lacks the list
  return r.isErr ? hostErrorToCni(r.error, E_GC) : null;
}

/**
 * CHECK: a masquerade rule for each address of prevResult (when ipMasq), and a spoof check on
 * `ifname` with `mac` (when mac is not "").
 */
export function checkFirewall(ns: NetnsId, prev: CniResult, ipMasq: bool, ifname: string, mac: string): CniError | null {
  const l = firewall.list(ns);
  if (l.isErr) return hostErrorToCni(l.error, E_LIST);
  const rules = l.value;
  if (ipMasq) {
    for (let i = 0; i < prev.ips.length; i++) {
      const cidr = prev.ips[i].address.toString();
      let found = false;
      for (let j = 0; j < rules.length && !found; j++) found = rules[j].isMasquerade && rules[j].masquerade == cidr;
      if (!found) return internalError(E_NO_MASQ + cidr);
    }
  }
  if (mac.length > 0) {
    let found = false;
    for (let j = 0; j < rules.length && !found; j++) {
      found = rules[j].isSpoofCheck && rules[j].spoofCheck.ifname == ifname && rules[j].spoofCheck.mac == mac.toLowerCase();
    }
    if (!found) return internalError(E_NO_SPOOF + ifname);
  }
  return null;
}
