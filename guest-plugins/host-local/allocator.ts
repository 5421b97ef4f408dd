// Allocation from one range set, as host-local's IPAllocator: a requested address is checked
// and reserved; otherwise the round-robin walk (RangeIter) starts after the set's last
// reserved address, skips gateways and takes the first free one. Pure logic: the store is
// behind Reservations, so tests run it against a map.
import {
  IP, IPNet, IPRange, IPConfig, RangeIter, rangeSetIndexOf, rangeSetToString,
  CniError, Result, ok, err, internalError,
} from "@wasm-cni/sdk";
import { Reservations, Owner } from "./reservations";
import {
  E_NO_ADDRESSES, E_DUPLICATE, E_DUPLICATE_END, E_REQUESTED_GATEWAY, E_REQUESTED_IP,
  E_NOT_AVAILABLE, E_NOT_IN_RANGE_SET,
} from "./errors";

export class Allocator {
  /** `index`: the set's position in the config, the suffix of its last_reserved_ip key. */
  constructor(public set: IPRange[], private res: Reservations, public index: i32) {}

  /** True when the address is in one of the set's ranges. */
  contains(ip: IP): bool {
    return rangeSetIndexOf(this.set, ip) >= 0;
  }

  /** "10.1.0.2-10.1.0.254,10.2.0.1-10.2.0.254". */
  toString(): string {
    return rangeSetToString(this.set);
  }

  /** Reserves an address for `owner`: `requested` if given, else the next free one. */
  get(owner: Owner, requested: IP | null): Result<IPConfig, CniError> {
    return requested != null ? this.getRequested(owner, requested) : this.getNext(owner);
  }

  private getRequested(owner: Owner, ip: IP): Result<IPConfig, CniError> {
    const i = rangeSetIndexOf(this.set, ip);
    if (i < 0) return fail(ip.toString() + E_NOT_IN_RANGE_SET + this.toString());
    const r = this.set[i];
    if (ip.equals(r.gateway)) return fail("requested ip " + ip.toString() + E_REQUESTED_GATEWAY);
    const reserved = this.res.reserve(ip, owner, this.index);
    if (reserved.isErr) return err<IPConfig, CniError>(reserved.error);
    if (!reserved.value) return fail(E_REQUESTED_IP + ip.toString() + E_NOT_AVAILABLE + this.toString());
    return ok<IPConfig, CniError>(configOf(r, ip));
  }

  private getNext(owner: Owner): Result<IPConfig, CniError> {
    // The spec forbids two ADDs for one attachment; a second one in this set is refused.
    const held = this.heldBy(owner);
    if (held != null) return fail(held.toString() + E_DUPLICATE + owner.containerId + E_DUPLICATE_END);
    const it = new RangeIter(this.set, this.res.lastReserved(this.index));
    while (it.next()) {
      if (this.res.isReserved(it.current)) continue;
      const ip = it.current.clone();
      const reserved = this.res.reserve(ip, owner, this.index);
      if (reserved.isErr) return err<IPConfig, CniError>(reserved.error);
      if (reserved.value) return ok<IPConfig, CniError>(configOf(it.range, ip));
    }
    return fail(E_NO_ADDRESSES + this.toString());
  }

  /** The first address of this set that `owner` holds, or null (CHECK, duplicate ADD). */
  heldBy(owner: Owner): IP | null {
    const ips = this.res.heldBy(owner);
    for (let i = 0; i < ips.length; i++) if (this.contains(ips[i])) return ips[i];
    return null;
  }

  /** True when a free address is left (STATUS). The walk stops at the first one. */
  hasFree(): bool {
    const it = new RangeIter(this.set, this.res.lastReserved(this.index));
    while (it.next()) if (!this.res.isReserved(it.current)) return true;
    return false;
  }
}

/** The result entry: the address with its range's prefix length, and the range's gateway. */
function configOf(r: IPRange, ip: IP): IPConfig {
  return new IPConfig(new IPNet(ip, r.subnet.prefix), r.gateway.clone());
}

/** An allocation error: code 999, as the Go plugin's plain errors become through skel. */
function fail(msg: string): Result<IPConfig, CniError> {
  return err<IPConfig, CniError>(internalError(msg));
}
