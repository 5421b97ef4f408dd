// ipMasq and macspoofchk for plugins, over the firewall capability: the host keeps the rules
// in the plugin's own nftables tables, tagged with the call's network and container, so a
// plugin passes only addresses and MACs (like the reference plugins'
// ip.SetupIPMasqForNetworks and link.NewSpoofChecker).
import { firewall, NetnsId } from "../bindings/index";
import { Unit } from "../abi/index";
import { CniResult, Done, done, fail, internalError, invalidConfigError, hostErrorToCni, isGone } from "../types/index";
import { hostNetns } from "../ns/index";

/**
 * Masquerades each address of the result to outside its subnet (not multicast).
 * Equivalent to: `ip.SetupIPMasqForNetworks` (one nftables rule per address)
 */
export function setupIPMasq(ns: NetnsId, result: CniResult): Done {
  for (let i = 0; i < result.ips.length; i++) {
    const cidr = result.ips[i].address.toString();
    const r = firewall.ensureMasquerade(ns, cidr);
    if (r.isErr) return fail<Unit>(hostErrorToCni(r.error, "failed to setup IP masquerade for " + cidr));
  }
  return done();
}

/** Drops frames from host interface `ifname` whose source MAC is not `mac` (bridge's macspoofchk). */
export function setupSpoofCheck(ns: NetnsId, ifname: string, mac: string): Done {
  const check = new firewall.SpoofCheck();
  check.ifname = ifname;
  check.mac = mac;
  const r = firewall.ensureSpoofCheck(ns, check);
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, "failed to setup the MAC spoof check on " + ifname)) : done();
}

/** Removes every rule of this container (DEL); nothing there, or a gone netns, is success. */
export function teardownFirewall(ns: NetnsId): Done {
  const r = firewall.remove(ns);
  return r.isErr && !isGone(r.error) ? fail<Unit>(hostErrorToCni(r.error, "failed to remove the firewall rules")) : done();
}

/**
 * GC: the host removes from the plugin's tables the rules of this network's attachments that
 * are not in the runtime's `cni.dev/valid-attachments` (code 7 when the config has none; the
 * host reads the list), as the reference plugins GC their ipmasq chains. The host netns opens
 * here; the host names the tables.
 */
export function gcFirewall(): Done {
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const r = firewall.retain(hns.value);
  if (r.isErr && r.error.isInvalid) return fail<Unit>(invalidConfigError(r.error.invalid)); // the config lacks the list
  if (r.isErr) return fail<Unit>(hostErrorToCni(r.error, "failed to remove the firewall rules of stale attachments"));
  return done();
}

/**
 * CHECK: a masquerade rule for each address of prevResult (when ipMasq), and a spoof check on
 * `ifname` with `mac` (when mac is not "").
 */
export function checkFirewall(ns: NetnsId, prev: CniResult, ipMasq: bool, ifname: string, mac: string): Done {
  const l = firewall.list(ns);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "failed to read the firewall rules"));
  const rules = l.value;
  if (ipMasq) {
    for (let i = 0; i < prev.ips.length; i++) {
      const cidr = prev.ips[i].address.toString();
      let found = false;
      for (let j = 0; j < rules.length && !found; j++) found = rules[j].isMasquerade && rules[j].masquerade == cidr;
      if (!found) return fail<Unit>(internalError("ipMasq: no masquerade rule for " + cidr));
    }
  }
  if (mac.length > 0) {
    let found = false;
    for (let j = 0; j < rules.length && !found; j++) {
      found = rules[j].isSpoofCheck && rules[j].spoofCheck.ifname == ifname && rules[j].spoofCheck.mac == mac.toLowerCase();
    }
    if (!found) return fail<Unit>(internalError("macspoofchk: no spoof check for " + ifname));
  }
  return done();
}
