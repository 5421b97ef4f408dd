// struct nlmsghdr and its flags (linux/netlink.h).
import { readU16, readU32, writeU16, writeU32 } from "./bytes";

export const NLMSG_HDRLEN = 16;

/** Control message types shared by every netlink family. */
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;

export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  DUMP_INTR: 0x10,
  // GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  DUMP: 0x300,
  // NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // ACK messages
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

export interface NlMsgHeader {
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export function writeHeader(buf: Uint8Array, off: number, h: NlMsgHeader): void {
  writeU32(buf, off, h.len);
  writeU16(buf, off + 4, h.type);
  writeU16(buf, off + 6, h.flags);
  writeU32(buf, off + 8, h.seq);
  writeU32(buf, off + 12, h.pid);
}

export function readHeader(buf: Uint8Array, off: number): NlMsgHeader {
  return {
    len: readU32(buf, off),
    type: readU16(buf, off + 4),
    flags: readU16(buf, off + 6),
    seq: readU32(buf, off + 8),
    pid: readU32(buf, off + 12),
  };
}
