// Hardware address text <-> bytes ("02:42:ac:11:00:02").
import { Errno, KernelError } from "../errors";

export function parseMac(text: string): Uint8Array {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) {
    throw new KernelError(`parse ${JSON.stringify(text)}`, Errno.EINVAL, "not a MAC address");
  }
  return Uint8Array.from(text.split(":"), (h) => parseInt(h, 16));
}

/** Lower-case colon hex; "" for no address. */
export function formatMac(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return "";
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}
