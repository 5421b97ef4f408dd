// The attachments a runtime still uses, from the `cni.dev/valid-attachments` key of a GC
// config (SPEC.md, GC): an IPAM plugin releases every reservation that belongs to none of them.
import { ObjectReader } from "../json/index";
import { E_ATTACHMENT } from "./errors";

/** The GC config key that lists the attachments the runtime still uses. */
// @ts-ignore: decorator
@lazy @inline export const VALID_ATTACHMENTS_KEY = "cni.dev/valid-attachments";

/** One attachment: the CNI_CONTAINERID and CNI_IFNAME of an ADD. */
export class Attachment {
  /** CNI_CONTAINERID and CNI_IFNAME. */
  constructor(public containerId: string, public ifname: string) {}
}

/**
 * The valid attachments of a GC config; null when the key is absent (recorded as required,
 * since GC without the list would have to release everything) or malformed.
 */
export function readValidAttachments(r: ObjectReader): Attachment[] | null {
  const list = r.array(VALID_ATTACHMENTS_KEY);
  if (list == null) return null;
  const out: Attachment[] = [];
  let bad = false;
  for (let i = 0; i < list.length; i++) {
    const v = list.at(i)!;
    const id = v.getString("containerID"), ifname = v.getString("ifname");
    if (id == null || ifname == null) {
      list.fail(i, E_ATTACHMENT);
      bad = true;
      continue;
    }
    out.push(new Attachment(id, ifname));
  }
  return bad ? null : out;
}

/** True when `list` holds the attachment (containerId, ifname). */
export function hasAttachment(list: Attachment[], containerId: string, ifname: string): bool {
  for (let i = 0; i < list.length; i++) {
    if (list[i].containerId == containerId && list[i].ifname == ifname) return true;
  }
  return false;
}
