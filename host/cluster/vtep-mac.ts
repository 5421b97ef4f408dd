import { createHash } from "node:crypto";

/**
 * The MAC of a node's VXLAN device (its VTEP), derived from the node name so that it stays the
 * same across agent restarts and reboots (flannel keeps it in the node's annotations for the same
 * reason): the first 6 bytes of sha256(name), unicast and locally administered (02 bit set).
 */
export function vtepMac(nodeName: string): string {
  const b = createHash("sha256").update(nodeName).digest().subarray(0, 6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}
