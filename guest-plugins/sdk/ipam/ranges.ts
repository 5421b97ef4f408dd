// Reading host-local's allocation ranges from a config: one range is an object with `subnet`
// and optional `rangeStart`, `rangeEnd` and `gateway`; a range set is a list of ranges of one
// family; `ranges` is a list of range sets. Every problem is recorded with its path, and
// IPRange.canonicalize supplies host-local's defaults and wording.
import { ObjectReader, ArrayReader, FieldErrors } from "../json/index";
import { readCidr, optIP } from "../types/index";
import { IPRange } from "./range";
import { rangeSetsOverlap } from "./range-set";
import { E_EMPTY_RANGE_SET, E_MIXED_FAMILIES } from "./errors";

/**
 * Reads one range from the members of `r` (an entry of a set, or the legacy keys of the ipam
 * object itself); null when it is bad, with every problem recorded:
 *   `field "ipam.ranges[0][0]" is invalid: RangeStart 10.2.0.5 not in network 10.1.0.0/24`
 */
export function readRange(r: ObjectReader): IPRange | null {
  const subnet = readCidr(r, "subnet");
  const start = optIP(r, "rangeStart");
  const end = optIP(r, "rangeEnd");
  const gateway = optIP(r, "gateway");
  if (subnet == null) return null;
  const c = IPRange.canonicalize(subnet, start, end, gateway);
  if (c.isErr) {
    r.errors.add(r.path, "is invalid: " + c.error);
    return null;
  }
  return c.value;
}

/** Reads a range set: at least one range, one family, no overlaps inside; null when bad. */
export function readRangeSet(a: ArrayReader): IPRange[] | null {
  if (a.length == 0) {
    a.errors.add(a.path, E_EMPTY_RANGE_SET);
    return null;
  }
  const set: IPRange[] = [];
  const at: i32[] = []; // the item index of each range in `set`
  let bad = false;
  for (let i = 0; i < a.length; i++) {
    const o = a.objectAt(i);
    const r = o != null ? readRange(o) : null;
    if (r == null) { bad = true; continue; }
    if (set.length > 0 && set[0].start.is4 != r.start.is4) {
      a.fail(i, E_MIXED_FAMILIES);
      bad = true;
      continue;
    }
    for (let j = 0; j < set.length; j++) {
      if (set[j].overlaps(r)) {
        a.fail(i, "overlaps \"" + a.pathAt(at[j]) + "\" (" + r.toString() + " and " + set[j].toString() + ")");
        bad = true;
      }
    }
    set.push(r);
    at.push(i);
  }
  return bad ? null : set;
}

/** Reads a list of range sets (`ipam.ranges`, `runtimeConfig.ipRanges`); bad sets are left out. */
export function readRangeSets(a: ArrayReader): IPRange[][] {
  const out: IPRange[][] = [];
  for (let i = 0; i < a.length; i++) {
    const items = a.arrayAt(i);
    const set = items != null ? readRangeSet(items) : null;
    if (set != null) out.push(set);
  }
  return out;
}

/**
 * Records every pair of range sets that share an address, as host-local refuses them ("range
 * set 0 overlaps with 1"). `paths` names each set for the message.
 */
export function checkRangeSetsDisjoint(sets: IPRange[][], paths: string[], errors: FieldErrors): void {
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (rangeSetsOverlap(sets[i], sets[j])) {
        errors.add(paths[j], "overlaps range set \"" + paths[i] + "\" (" + rangeSetToString(sets[i]) + ")");
      }
    }
  }
}

/** "10.1.0.2-10.1.0.254,10.2.0.1-10.2.0.254", as host-local's RangeSet.String. */
export function rangeSetToString(set: IPRange[]): string {
  let out = "";
  for (let i = 0; i < set.length; i++) {
    if (i > 0) out += ",";
    out += set[i].toString();
  }
  return out;
}
