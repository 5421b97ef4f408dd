// The veth pair of a container, like pkg/ip's SetupVeth: the container end is created as
// CNI_IFNAME directly in the container netns and its peer directly in the host netns (one
// RTM_NEWLINK, no rename or move), then the host end is brought up (and enslaved, for bridge).
import { link, sysctl, NetnsId, CniError } from "../bindings/index";
import { Result, ok, some } from "../abi/index";
import { fail, hostErrorToCni } from "../types/index";

// @ts-ignore: decorator
@lazy @inline const FNV_OFFSET: u32 = 0x811c9dc5;
// @ts-ignore: decorator
@lazy @inline const FNV_PRIME: u32 = 0x01000193;

/**
 * The host end's name: "veth" + 8 hex digits of FNV-1a (32 bit) over the UTF-8 bytes of
 * "<containerId>/<ifname>". Go picks a random name; a guest has no randomness, and a name
 * derived from the attachment lets DEL and CHECK find the link without any state.
 */
export function hostVethName(containerId: string, ifname: string): string {
  const bytes = Uint8Array.wrap(String.UTF8.encode(containerId + "/" + ifname));
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = (h ^ <u32>bytes[i]) * FNV_PRIME;
  return "veth" + h.toString(16).padStart(8, "0");
}

/** Both ends as the kernel reports them after setup. */
export class VethPair {
  /** The host end (in the host netns) and the container end (CNI_IFNAME). */
  constructor(public host: link.LinkInfo, public container: link.LinkInfo) {}
}

/**
 * Creates the pair and brings the host end up, enslaved to `master` unless it is "".
 * `mtu` 0 and `mac` "" leave the kernel's defaults. The container end stays down: the caller
 * brings it up once its addresses are on (as ipam.ConfigureIface does).
 * Equivalent to: `ip -n $cns link add $ifname type veth peer name $host netns $hostns;
 * ip link set $host master $master up`
 */
export function setupVeth(
  hostNs: NetnsId, containerNs: NetnsId, ifname: string, hostName: string, mtu: u32, mac: string, master: string,
): Result<VethPair, CniError> {
  const peer = new link.VethPeer();
  peer.name = hostName;
  peer.ns = hostNs;
  const spec = new link.LinkSpec();
  spec.name = ifname;
  spec.mtu = mtu > 0 ? some<u32>(mtu) : null;
  spec.mac = mac.length > 0 ? mac : null;
  spec.kind = link.LinkKind.veth(peer);
  const c = link.create(containerNs, spec);
  if (c.isErr) {
    const ctx = c.error.isExists
      ? "container veth name or host veth name already exists: " + ifname + ", " + hostName
      : "failed to make veth pair " + ifname + "/" + hostName;
    return fail<VethPair>(hostErrorToCni(c.error, ctx));
  }
  // Before it comes up, best effort: the host end takes no router advertisements from the
  // container (as SetupVeth), and skips DAD, so that its link-local address is usable at once:
  // the kernel sends no neighbour solicitation from a tentative one, and forwarding to the
  // container would stall for a second or more (seen with ptp and IPv6).
  const sysPrefix = "net.ipv6.conf." + hostName;
  sysctl.set(hostNs, sysPrefix + ".accept_ra", "0");
  sysctl.set(hostNs, sysPrefix + ".accept_dad", "0");
  const change = new link.LinkChange();
  change.up = some<bool>(true);
  if (master.length > 0) change.master = master;
  const h = link.set(hostNs, hostName, change);
  if (h.isErr) {
    link.del(containerNs, ifname); // takes the host end with it
    const ctx = master.length > 0 ? "failed to connect " + hostName + " to bridge " + master : "failed to set up " + hostName;
    return fail<VethPair>(hostErrorToCni(h.error, ctx));
  }
  return ok<VethPair, CniError>(new VethPair(h.value, c.value));
}
