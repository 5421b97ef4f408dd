// Per peer node, what lets the kernel send to it through the VTEP without learning: a
// neighbour entry (the peer's VTEP address → its VTEP MAC) and an FDB entry (that MAC → the
// peer's underlay address), both permanent, on this controller's own device. Stale entries of
// that device (peers gone, a MAC or address changed) are removed; entries the kernel made on
// its own (not permanent) are left to age out.
import { neigh, NetnsId, Family, IP, Unit, Done, done, fail, hostErrorToCni, isGone } from "@wasm-cni/sdk";

/** One entry: a neighbour (key address, value MAC) or an FDB entry (key MAC, value underlay address). */
export class Entry {
  constructor(public key: string, public value: string) {}
}

function canonicalIP(s: string): string {
  const ip = IP.parse(s);
  return ip != null ? ip.toString() : s;
}

function has(list: Entry[], key: string, value: string): bool {
  for (let i = 0; i < list.length; i++) if (list[i].key == key && list[i].value == value) return true;
  return false;
}

function hasKey(list: Entry[], key: string): bool {
  for (let i = 0; i < list.length; i++) if (list[i].key == key) return true;
  return false;
}

/**
 * Makes the permanent neighbours of `dev` exactly `want` (address → MAC).
 * Equivalent to: `ip neigh replace $addr lladdr $mac dev $dev nud permanent; ip neigh del $stale dev $dev`
 */
export function syncNeighbours(ns: NetnsId, dev: string, want: Entry[]): Done {
  const l = neigh.list(ns, dev, Family.ALL);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "failed to list the neighbours of " + dev));
  const have: Entry[] = [];
  for (let i = 0; i < l.value.length; i++) {
    const n = l.value[i];
    if (n.permanent) have.push(new Entry(canonicalIP(n.address), n.mac));
  }
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (has(have, w.key, w.value)) continue;
    const s = neigh.set(ns, dev, w.key, w.value);
    if (s.isErr) return fail<Unit>(hostErrorToCni(s.error, "failed to set neighbour " + w.key + " lladdr " + w.value + " on " + dev));
  }
  for (let i = 0; i < have.length; i++) {
    if (hasKey(want, have[i].key)) continue; // wanted (replaced above if its MAC differed)
    const d = neigh.del(ns, dev, have[i].key);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete neighbour " + have[i].key + " on " + dev));
  }
  return done();
}

/**
 * Makes the permanent FDB entries of `dev` exactly `want` (MAC → underlay address).
 * Equivalent to: `bridge fdb replace $mac dev $dev dst $underlay self permanent; bridge fdb del $stale dev $dev dst $old self`
 */
export function syncFdb(ns: NetnsId, dev: string, want: Entry[]): Done {
  const l = neigh.fdb(ns, dev);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "failed to list the FDB of " + dev));
  const have: Entry[] = [];
  for (let i = 0; i < l.value.length; i++) {
    const f = l.value[i];
    if (f.permanent && f.dst.length > 0) have.push(new Entry(f.mac, canonicalIP(f.dst)));
  }
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (has(have, w.key, w.value)) continue;
    const s = neigh.setFdb(ns, dev, w.key, w.value);
    if (s.isErr) return fail<Unit>(hostErrorToCni(s.error, "failed to set FDB entry " + w.key + " dst " + w.value + " on " + dev));
  }
  for (let i = 0; i < have.length; i++) {
    if (hasKey(want, have[i].key)) continue;
    const d = neigh.deleteFdb(ns, dev, have[i].key, have[i].value);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "failed to delete FDB entry " + have[i].key + " dst " + have[i].value + " on " + dev));
  }
  return done();
}
