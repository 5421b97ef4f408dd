/**
 * The node's underlay, read from the kernel over rtnetlink (host/kernel/rtnl): the link's MTU
 * and its address, the first global IPv4 address unless the config names one.
 */
import type { NativeApi } from "../kernel/native";
import { NetnsHandle } from "../kernel/netns";
import { addrList } from "../kernel/rtnl/addr";
import { withRtnl } from "../kernel/rtnl/handle";
import { linkByName } from "../kernel/rtnl/link";
import { LinkNotFoundError } from "../kernel/errors";
import { AgentConfigError } from "./config";

export interface Underlay {
  link: string;
  /** Where the other nodes reach this one. */
  address: string;
  mtu: number;
}

/** RT_SCOPE_UNIVERSE: a global address. */
const SCOPE_GLOBAL = 0;

/** readUnderlay in the netns the agent runs in. */
export function readOwnUnderlay(native: NativeApi, link: string, address?: string): Underlay {
  const ns = NetnsHandle.current(native);
  try {
    return readUnderlay(ns, link, address);
  } finally {
    ns.close();
  }
}

/** Equivalent to: `ip -4 addr show dev $link scope global` and `ip link show $link` (its mtu), in `ns`. */
export function readUnderlay(ns: NetnsHandle, link: string, address?: string): Underlay {
  return withRtnl(ns, (h) => {
    let l;
    try {
      l = linkByName(h, link);
    } catch (e) {
      if (e instanceof LinkNotFoundError) throw new AgentConfigError(`underlay link ${JSON.stringify(link)} does not exist (field "underlay.link")`, { cause: e });
      throw e;
    }
    if (address !== undefined) return { link, address, mtu: l.mtu };
    const first = addrList(h, l, 4).find((a) => a.scope === SCOPE_GLOBAL);
    if (first === undefined) throw new AgentConfigError(`underlay link ${link} has no global IPv4 address: give one in field "underlay.address"`);
    return { link, address: first.cidr.split("/")[0]!, mtu: l.mtu };
  });
}
