// Tap devices: made through /dev/net/tun ioctls (the tun driver refuses RTM_NEWLINK), in the
// netns of a handle, and then as any link: RTM_SETLINK for mtu and MAC, RTM_DELLINK to delete.
import { KernelError } from "./errors";
import type { NetnsHandle } from "./netns";

export interface TapOptions {
  name: string;
  multiQueue: boolean;
  vnetHdr: boolean;
  owner?: number;
  group?: number;
}

/**
 * Creates a persistent tap device in `ns`.
 * Equivalent to: `ip -n $ns tuntap add mode tap name $name [multi_queue] [vnet_hdr] [user $uid] [group $gid]`
 */
export function tapAdd(ns: NetnsHandle, o: TapOptions): void {
  try {
    ns.native.tapCreate(ns.fd, o.name, o.multiQueue, o.vnetHdr, o.owner ?? -1, o.group ?? -1);
  } catch (err) {
    throw KernelError.fromNative(`add tap ${o.name}`, err);
  }
}
