// IP forwarding in the host netns, like pkg/ip's EnableForward: each family of the addresses
// once, read first and written only when not "1" (a write of an unchanged value is skipped,
// so concurrent ADDs never toggle it).
import { sysctl, NetnsId } from "../bindings/index";
import { Unit } from "../abi/index";
import { IPConfig, Done, done, fail, hostErrorToCni } from "../types/index";

// @ts-ignore: decorator
@lazy @inline const IPV4_FORWARD = "net.ipv4.ip_forward";
// @ts-ignore: decorator
@lazy @inline const IPV6_FORWARD = "net.ipv6.conf.all.forwarding";

/** Forwarding on for every family among `ips`. Equivalent to: `sysctl -w net.ipv4.ip_forward=1` */
export function enableForwarding(ns: NetnsId, ips: IPConfig[]): Done {
  let v4 = false, v6 = false;
  for (let i = 0; i < ips.length; i++) {
    if (ips[i].address.is4) v4 = true;
    else v6 = true;
  }
  if (v4) {
    const e = echo1(ns, IPV4_FORWARD);
    if (e.isErr) return e;
  }
  return v6 ? echo1(ns, IPV6_FORWARD) : done();
}

function echo1(ns: NetnsId, key: string): Done {
  const v = sysctl.get(ns, key);
  if (v.isOk && v.value.trim() == "1") return done();
  const w = sysctl.set(ns, key, "1");
  return w.isErr ? fail<Unit>(hostErrorToCni(w.error, "could not enable IP forwarding: " + key)) : done();
}
