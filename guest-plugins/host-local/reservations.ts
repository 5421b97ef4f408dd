// host-local's disk layout over a key/value store: one key per reserved address (the address
// as text, "10.1.0.5" or "fd00::5") holding `containerID + "\r\n" + ifname`, and one
// `last_reserved_ip.<range set index>` key for the round-robin start. Questions go to the
// store one key at a time (under the bucket's lock for the whole call), and an attachment's
// addresses through the store's index lookup (`find`), so an ADD's own work does not grow with
// the addresses reserved (issue 13: it did, reading every entry); only GC reads them all.
import { IP, Result, Tuple2, Unit, CniError, Done, ok, fail } from "@wasm-cni/sdk";

const LAST_RESERVED = "last_reserved_ip.";
const LINE_BREAK = "\r\n";

/**
 * The effects host-local needs from a store: the SDK's bucket (bucket-store.ts), or a map in
 * tests. Failures come as CNI errors already (11 when a retry may help, else 999).
 */
export abstract class KeyValueStore {
  abstract get(key: string): Result<string | null, CniError>;
  /** The entries whose value, trimmed, is one of `values` (1 to 8). */
  abstract find(values: string[]): Result<Array<Tuple2<string, string>>, CniError>;
  abstract entries(): Result<Array<Tuple2<string, string>>, CniError>;
  abstract put(key: string, value: string): Done;
  abstract remove(key: string): Result<bool, CniError>;
}

/** Who holds an address: one attachment (CNI_CONTAINERID, CNI_IFNAME). */
export class Owner {
  constructor(public containerId: string, public ifname: string) {}

  /** The value written for a reservation; the id is trimmed as the Go plugin does. */
  get value(): string {
    return this.containerId.trim() + LINE_BREAK + this.ifname;
  }

  /** True for a value written for this attachment. */
  holds(value: string): bool {
    return value.trim() == this.value;
  }

  /** True for a value written by old versions of host-local, which stored the id only. */
  holdsLegacy(value: string): bool {
    return value.trim() == this.containerId.trim();
  }
}

/** The attachment a stored value names; ifname "" for old values holding the id only. */
export function ownerOf(value: string): Owner {
  const v = value.trim();
  const i = v.indexOf(LINE_BREAK);
  return i < 0 ? new Owner(v, "") : new Owner(v.substring(0, i).trim(), v.substring(i + LINE_BREAK.length));
}

/** Single lookups before a walk reads the whole bucket at once instead (a nearly full range). */
const LOOKUPS_BEFORE_LOAD = 32;

export class Reservations {
  /** Addresses this call reserved or found reserved (a cache: the lock keeps others out). */
  private held: Set<string> = new Set();
  /** Every reserved key, once a walk has asked more than LOOKUPS_BEFORE_LOAD times. */
  private known: Set<string> | null = null;
  private lookups: i32 = 0;

  private constructor(private store: KeyValueStore) {}

  /** Over an open (locked) store; reads nothing yet. */
  static open(store: KeyValueStore): Reservations {
    return new Reservations(store);
  }

  /** True when `ip` is reserved. */
  isReserved(ip: IP): Result<bool, CniError> {
    const key = ip.toString();
    if (this.held.has(key)) return ok<bool, CniError>(true);
    // A walk through a long run of taken addresses asks once for all of them, not per address.
    if (this.known == null && ++this.lookups > LOOKUPS_BEFORE_LOAD) {
      const e = this.store.entries();
      if (e.isErr) return e.pass<bool>();
      const known = new Set<string>();
      for (let i = 0; i < e.value.length; i++) known.add(e.value[i].v0);
      this.known = known;
    }
    if (this.known != null) return ok<bool, CniError>(this.known!.has(key));
    const v = this.store.get(key);
    if (v.isErr) return v.pass<bool>();
    if (v.value != null) this.held.add(key);
    return ok<bool, CniError>(v.value != null);
  }

  /** Reserves `ip` for `owner`; false when it is taken. Records it as the set's last reserved. */
  reserve(ip: IP, owner: Owner, rangeSet: i32): Result<bool, CniError> {
    const taken = this.isReserved(ip);
    if (taken.isErr) return taken;
    if (taken.value) return ok<bool, CniError>(false);
    const key = ip.toString();
    const put = this.store.put(key, owner.value);
    if (put.isErr) return put.pass<bool>();
    this.held.add(key);
    // Losing the round-robin position only costs fairness, as in Go; the address is held.
    this.store.put(LAST_RESERVED + rangeSet.toString(), key);
    return ok<bool, CniError>(true);
  }

  /** Where the round-robin walk of a range set resumes; null when unknown or unreadable. */
  lastReserved(rangeSet: i32): IP | null {
    const v = this.store.get(LAST_RESERVED + rangeSet.toString());
    return v.isErr || v.value == null ? null : IP.parse(v.value!.trim());
  }

  /** The addresses `owner` holds, in key order, counting values of old versions (id only). */
  heldBy(owner: Owner): Result<IP[], CniError> {
    return this.matching(owner, true, true);
  }

  private matching(owner: Owner, current: bool, legacy: bool): Result<IP[], CniError> {
    const values = new Array<string>();
    if (current) values.push(owner.value);
    if (legacy) values.push(owner.containerId.trim());
    const found = this.store.find(values);
    if (found.isErr) return found.pass<IP[]>();
    const out: IP[] = [];
    const list = found.value;
    for (let i = 0; i < list.length; i++) {
      const ip = IP.parse(list[i].v0);
      if (ip == null) continue; // other keys are not ours
      const v = list[i].v1;
      if ((current && owner.holds(v)) || (legacy && owner.holdsLegacy(v))) out.push(ip);
    }
    return ok<IP[], CniError>(out);
  }

  /** Every reserved address with the attachment that holds it (GC: the one question that reads them all). */
  all(): Result<Array<Tuple2<IP, Owner>>, CniError> {
    const e = this.store.entries();
    if (e.isErr) return e.pass<Array<Tuple2<IP, Owner>>>();
    const out = new Array<Tuple2<IP, Owner>>();
    const list = e.value;
    for (let i = 0; i < list.length; i++) {
      if (list[i].v0.startsWith(LAST_RESERVED)) continue;
      const ip = IP.parse(list[i].v0);
      if (ip != null) out.push(new Tuple2<IP, Owner>(ip, ownerOf(list[i].v1)));
    }
    return ok<Array<Tuple2<IP, Owner>>, CniError>(out);
  }

  /** Releases one address; false when it was not reserved. */
  releaseIP(ip: IP): Result<bool, CniError> {
    const key = ip.toString();
    const r = this.store.remove(key);
    if (r.isErr) return r.pass<bool>();
    this.held.delete(key);
    if (this.known != null) this.known!.delete(key);
    return ok<bool, CniError>(r.value);
  }

  /**
   * Releases every address `owner` holds; the number released. Like the Go plugin, values of
   * old versions (id only) count only when no current value matches, and a failed remove
   * does not stop the others: as much as possible is freed and the first error reported.
   */
  release(owner: Owner): Result<i32, CniError> {
    const cur = this.matching(owner, true, false);
    if (cur.isErr) return cur.pass<i32>();
    let ips = cur.value;
    if (ips.length == 0) {
      // Rare (a reservation of an old host-local): a second look only then.
      const old = this.matching(owner, false, true);
      if (old.isErr) return old.pass<i32>();
      ips = old.value;
    }
    let released = 0;
    let firstError: CniError | null = null;
    for (let i = 0; i < ips.length; i++) {
      const r = this.releaseIP(ips[i]);
      if (r.isErr) {
        if (firstError == null) firstError = r.error;
      } else if (r.value) {
        released++;
      }
    }
    return firstError != null ? fail<i32>(firstError) : ok<i32, CniError>(released);
  }
}
