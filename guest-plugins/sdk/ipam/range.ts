// One allocation range of host-local's config: a subnet with inclusive start and end and a
// gateway. canonicalize() fills the defaults as host-local's Range.Canonicalize does: the
// gateway and start default to network+1, the end to the last address (for IPv4 the one
// before broadcast). /31, /32, /127 and /128 are too small to allocate from.
import { IP } from "../netip/addr";
import { IPNet } from "../netip/net";
import { Result, ok, err } from "../abi/result";

/** One allocation range of host-local: subnet, first and last address, gateway. */
export class IPRange {
  /** A range as canonicalize() returns it; build one through canonicalize. */
  constructor(public subnet: IPNet, public start: IP, public end: IP, public gateway: IP) {}

  /** Checks a range and fills its defaults; the range, or an error message in host-local's words. */
  static canonicalize(subnet: IPNet, start: IP | null, end: IP | null, gateway: IP | null): Result<IPRange, string> {
    if (subnet.prefix > subnet.bits - 2) return err<IPRange, string>("Network " + subnet.toString() + " too small to allocate from");
    if (!subnet.isNetwork()) {
      return err<IPRange, string>("Network has host bits set. For a subnet mask of length " + subnet.prefix.toString() +
        " the network address is " + subnet.network().toString());
    }
    const network = subnet.network();
    let gw: IP;
    if (gateway == null) {
      gw = network.next()!;
    } else {
      if (gateway.is4 != subnet.is4) return err<IPRange, string>("Gateway is not of the subnet's address family: " + gateway.toString());
      gw = gateway;
    }
    let s: IP;
    if (start != null) {
      if (!subnet.contains(start)) return err<IPRange, string>("RangeStart " + start.toString() + " not in network " + subnet.toString());
      s = start;
    } else {
      s = network.next()!;
    }
    let e: IP;
    if (end != null) {
      if (!subnet.contains(end)) return err<IPRange, string>("RangeEnd " + end.toString() + " not in network " + subnet.toString());
      e = end;
    } else {
      e = lastUsable(subnet);
    }
    if (s.compare(e) > 0) return err<IPRange, string>("RangeStart " + s.toString() + " is after RangeEnd " + e.toString());
    return ok<IPRange, string>(new IPRange(subnet, s, e, gw));
  }

  /** True when the address is in the subnet and between start and end, inclusive. */
  contains(ip: IP): bool {
    return this.subnet.contains(ip) && ip.compare(this.start) >= 0 && ip.compare(this.end) <= 0;
  }

  /** True when the two ranges share an address. */
  overlaps(r: IPRange): bool {
    if (r.start.is4 != this.start.is4) return false;
    return this.contains(r.start) || this.contains(r.end) || r.contains(this.start) || r.contains(this.end);
  }

  /** "10.1.0.2-10.1.0.254". */
  toString(): string {
    return this.start.toString() + "-" + this.end.toString();
  }
}

/** The last address host-local hands out: broadcast-1 for IPv4, the last address for IPv6. */
export function lastUsable(subnet: IPNet): IP {
  const last = subnet.last();
  if (last.is4) last.dec();
  return last;
}
