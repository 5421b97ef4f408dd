// Allocation from one range set, as host-local's IPAllocator: a requested address is checked
// and reserved; otherwise the round-robin walk (RangeIter) starts after the set's last
// reserved address, skips gateways and takes the first free one. Pure logic: the store is
// behind Reservations, so tests run it against a map.
import {
  IP, IPNet, IPRange, IPConfig, RangeIter, rangeSetIndexOf, rangeSetToString,
  CniError, Result, ok, fail, internalError,
} from "@wasm-cni/sdk";
import { Reservations, Owner } from "./reservations";

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
    if (i < 0) return allocError(ip.toString() + " not in range set " + this.toString());
    const r = this.set[i];
    if (ip.equals(r.gateway)) return allocError("requested ip " + ip.toString() + " is subnet's gateway");
    const reserved = this.res.reserve(ip, owner, this.index);
    if (reserved.isErr) return reserved.pass<IPConfig>();
    if (!reserved.value) return allocError("requested IP address " + ip.toString() + " is not available in range set " + this.toString());
    return ok<IPConfig, CniError>(configOf(r, ip));
  }

  private getNext(owner: Owner): Result<IPConfig, CniError> {
    // The spec forbids two ADDs for one attachment; a second one in this set is refused.
    const held = this.heldBy(owner);
    if (held.isErr) return held.pass<IPConfig>();
    if (held.value != null) {
      return allocError(held.value!.toString() + " has been allocated to " + owner.containerId + ", duplicate allocation is not allowed");
    }
    const it = new RangeIter(this.set, this.res.lastReserved(this.index));
    while (it.next()) {
      const taken = this.res.isReserved(it.current);
      if (taken.isErr) return taken.pass<IPConfig>();
      if (taken.value) continue;
      const ip = it.current.clone();
      const reserved = this.res.reserve(ip, owner, this.index);
      if (reserved.isErr) return reserved.pass<IPConfig>();
      if (reserved.value) return ok<IPConfig, CniError>(configOf(it.range, ip));
    }
    return allocError("no IP addresses available in range set: " + this.toString());
  }

  /** The first address of this set that `owner` holds, or null (CHECK, duplicate ADD). */
  heldBy(owner: Owner): Result<IP | null, CniError> {
    const ips = this.res.heldBy(owner);
    if (ips.isErr) return ips.pass<IP | null>();
    for (let i = 0; i < ips.value.length; i++) if (this.contains(ips.value[i])) return ok<IP | null, CniError>(ips.value[i]);
    return ok<IP | null, CniError>(null);
  }

  /** True when a free address is left (STATUS). The walk stops at the first one. */
  hasFree(): Result<bool, CniError> {
    const it = new RangeIter(this.set, this.res.lastReserved(this.index));
    while (it.next()) {
      const taken = this.res.isReserved(it.current);
      if (taken.isErr) return taken;
      if (!taken.value) return ok<bool, CniError>(true);
    }
    return ok<bool, CniError>(false);
  }
}

/** The result entry: the address with its range's prefix length, and the range's gateway. */
function configOf(r: IPRange, ip: IP): IPConfig {
  return new IPConfig(new IPNet(ip, r.subnet.prefix), r.gateway.clone());
}

/** An allocation error: code 999, as the Go plugin's plain errors become through skel. */
function allocError(msg: string): Result<IPConfig, CniError> {
  return fail<IPConfig>(internalError(msg));
}
