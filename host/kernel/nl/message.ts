// Whole netlink messages: encoding a request, splitting a received datagram into messages.
import { type Attr, attrSpace, writeAttr } from "./attr";
import { align4 } from "./bytes";
import { NLMSG_HDRLEN, type NlMsgHeader, readHeader, writeHeader } from "./header";

/** A request before it gets its sequence number: type, flags, fixed body (e.g. ifinfomsg), attributes. */
export interface NlRequest {
  type: number;
  flags: number;
  body: Uint8Array;
  attrs: Attr[];
}

/** One received message; `payload` is everything after the header. */
export interface NlMessage {
  header: NlMsgHeader;
  payload: Uint8Array;
}

/** Serializes a request the way iproute2 does: header, padded body, padded attributes. */
export function encodeRequest(req: NlRequest, seq: number, pid = 0): Uint8Array {
  const len = req.attrs.reduce((n, a) => n + attrSpace(a), NLMSG_HDRLEN + align4(req.body.length));
  const buf = new Uint8Array(len);
  writeHeader(buf, 0, { len, type: req.type, flags: req.flags, seq, pid });
  buf.set(req.body, NLMSG_HDRLEN);
  let off = NLMSG_HDRLEN + align4(req.body.length);
  for (const a of req.attrs) off = writeAttr(buf, off, a);
  return buf;
}

/** Splits one datagram into its messages; a malformed length ends the walk. */
export function parseMessages(buf: Uint8Array): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const header = readHeader(buf, off);
    if (header.len < NLMSG_HDRLEN || off + header.len > buf.length) break;
    out.push({ header, payload: buf.subarray(off + NLMSG_HDRLEN, off + header.len) });
    off += align4(header.len);
  }
  return out;
}
