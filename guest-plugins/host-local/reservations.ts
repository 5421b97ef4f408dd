// host-local's disk layout over a key/value store: one key per reserved address (the address
// as text, "10.1.0.5" or "fd00::5") holding `containerID + "\r\n" + ifname`, and one
// `last_reserved_ip.<range set index>` key for the round-robin start. Keys load once per call
// under the bucket's lock, so every later question is a map lookup.
import { IP, Result, Tuple2, Unit, CniError, Done, ok, fail } from "@wasm-cni/sdk";

const LAST_RESERVED = "last_reserved_ip.";
const LINE_BREAK = "\r\n";

/**
 * The effects host-local needs from a store: the SDK's bucket (bucket-store.ts), or a map in
 * tests. Failures come as CNI errors already (11 when a retry may help, else 999).
 */
export abstract class KeyValueStore {
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

export class Reservations {
  private held: Map<string, string> = new Map();
  private last: Map<string, string> = new Map();

  private constructor(private store: KeyValueStore) {}

  /** Reads every key of the store once. */
  static load(store: KeyValueStore): Result<Reservations, CniError> {
    const e = store.entries();
    if (e.isErr) return e.pass<Reservations>();
    const r = new Reservations(store);
    const list = e.value;
    for (let i = 0; i < list.length; i++) {
      const k = list[i].v0;
      if (k.startsWith(LAST_RESERVED)) r.last.set(k, list[i].v1);
      else if (IP.parse(k) != null) r.held.set(k, list[i].v1); // other keys are not ours
    }
    return ok<Reservations, CniError>(r);
  }

  /** Number of reserved addresses. */
  get size(): i32 {
    return this.held.size;
  }

  isReserved(ip: IP): bool {
    return this.held.has(ip.toString());
  }

  /** Reserves `ip` for `owner`; false when it is taken. Records it as the set's last reserved. */
  reserve(ip: IP, owner: Owner, rangeSet: i32): Result<bool, CniError> {
    const key = ip.toString();
    if (this.held.has(key)) return ok<bool, CniError>(false);
    const put = this.store.put(key, owner.value);
    if (put.isErr) return put.pass<bool>();
    this.held.set(key, owner.value);
    // Losing the round-robin position only costs fairness, as in Go; the address is held.
    const lastKey = LAST_RESERVED + rangeSet.toString();
    if (this.store.put(lastKey, key).isOk) this.last.set(lastKey, key);
    return ok<bool, CniError>(true);
  }

  /** Where the round-robin walk of a range set resumes; null when unknown or unreadable. */
  lastReserved(rangeSet: i32): IP | null {
    const key = LAST_RESERVED + rangeSet.toString();
    return this.last.has(key) ? IP.parse(this.last.get(key).trim()) : null;
  }

  /** The addresses `owner` holds, in key order, counting values of old versions (id only). */
  heldBy(owner: Owner): IP[] {
    return this.matching(owner, true, true);
  }

  private matching(owner: Owner, current: bool, legacy: bool): IP[] {
    const out: IP[] = [];
    const keys = this.held.keys();
    for (let i = 0; i < keys.length; i++) {
      const v = this.held.get(keys[i]);
      if ((current && owner.holds(v)) || (legacy && owner.holdsLegacy(v))) out.push(IP.parse(keys[i])!);
    }
    return out;
  }

  /** Every reserved address with the attachment that holds it. */
  all(): Array<Tuple2<IP, Owner>> {
    const out = new Array<Tuple2<IP, Owner>>();
    const keys = this.held.keys();
    for (let i = 0; i < keys.length; i++) {
      out.push(new Tuple2<IP, Owner>(IP.parse(keys[i])!, ownerOf(this.held.get(keys[i]))));
    }
    return out;
  }

  /** Releases one address; false when it was not reserved. */
  releaseIP(ip: IP): Result<bool, CniError> {
    const key = ip.toString();
    if (!this.held.has(key)) return ok<bool, CniError>(false);
    const r = this.store.remove(key);
    if (r.isErr) return r.pass<bool>();
    this.held.delete(key);
    return ok<bool, CniError>(true);
  }

  /**
   * Releases every address `owner` holds; the number released. Like the Go plugin, values of
   * old versions (id only) count only when no current value matches, and a failed remove
   * does not stop the others: as much as possible is freed and the first error reported.
   */
  release(owner: Owner): Result<i32, CniError> {
    let ips = this.matching(owner, true, false);
    if (ips.length == 0) ips = this.matching(owner, false, true);
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
