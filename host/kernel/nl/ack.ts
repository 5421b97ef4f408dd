// NLMSG_ERROR (ack or error) and NLMSG_DONE payloads, with extended ack TLVs (linux/netlink.h).
import { parseAttrs } from "./attr";
import { align4, readI32 } from "./bytes";
import { NLM_F, NLMSG_HDRLEN, readHeader } from "./header";
import type { NlMessage } from "./message";

const NLMSGERR_ATTR_MSG = 1;
const NLMSGERR_ATTR_OFFS = 2;

/** The outcome the kernel reported: errno 0 is success. */
export interface NlAck {
  /** Positive errno (the kernel sends it negated). */
  errno: number;
  /** Extended ack text, "" if none. */
  message: string;
  /** Offset of the offending attribute in our request, if the kernel said. */
  offset: number | undefined;
}

function extAck(msg: NlMessage, tlvStart: number): Pick<NlAck, "message" | "offset"> {
  if ((msg.header.flags & NLM_F.ACK_TLVS) === 0 || tlvStart >= msg.payload.length) {
    return { message: "", offset: undefined };
  }
  const tlvs = parseAttrs(msg.payload.subarray(tlvStart));
  return { message: tlvs.string(NLMSGERR_ATTR_MSG) ?? "", offset: tlvs.u32(NLMSGERR_ATTR_OFFS) };
}

/** struct nlmsgerr: int error, the original header (and body unless NLM_F_CAPPED), then TLVs. */
export function parseErrorMessage(msg: NlMessage): NlAck {
  if (msg.payload.length < 4) return { errno: 71 /* EPROTO */, message: "short NLMSG_ERROR", offset: undefined };
  const errno = -readI32(msg.payload, 0) | 0; // | 0: no -0 for success
  let tlvStart = 4 + NLMSG_HDRLEN;
  if ((msg.header.flags & NLM_F.CAPPED) === 0 && msg.payload.length >= tlvStart) {
    tlvStart = 4 + align4(readHeader(msg.payload, 4).len);
  }
  return { errno, ...extAck(msg, tlvStart) };
}

/** NLMSG_DONE carries the dump's int result, then TLVs like an error. */
export function parseDoneMessage(msg: NlMessage): NlAck {
  const errno = msg.payload.length >= 4 ? -readI32(msg.payload, 0) | 0 : 0;
  return { errno, ...extAck(msg, 4) };
}
