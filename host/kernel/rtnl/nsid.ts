// Network namespace ids (RTM_GETNSID): how one netns numbers another, the number a link's
// IFLA_LINK_NETNSID holds for the netns of its peer.
import { u32Attr } from "../nl/attr";
import type { NetnsHandle } from "../netns";
import type { RtnlHandle } from "./handle";
import { RTM } from "./message-types";
import { parseAttrs } from "../nl/attr";
import { readI32 } from "../nl/bytes";

const NETNSA = { NSID: 1, FD: 3 } as const;
/** struct rtgenmsg, padded to 4 bytes. */
const RTGENMSG_LEN = 4;

/**
 * The id the handle's netns gives `other`, or -1 when it has given it none (no link between
 * them). Equivalent to: `ip netns list-id` for one netns
 */
export function netnsIdOf(h: RtnlHandle, other: NetnsHandle): number {
  const req = { type: RTM.GETNSID, flags: 0, body: new Uint8Array(RTGENMSG_LEN), attrs: [u32Attr(NETNSA.FD, other.fd)] };
  const reply = h.request(req, `get the id of netns ${other.path}`).find((m) => m.header.type === RTM.NEWNSID);
  if (reply === undefined) return -1;
  const id = parseAttrs(reply.payload.subarray(RTGENMSG_LEN)).get(NETNSA.NSID);
  return id !== undefined && id.length >= 4 ? readI32(id, 0) : -1;
}
