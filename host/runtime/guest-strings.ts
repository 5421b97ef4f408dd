/**
 * Every string a plugin hands the host (its result, an error, each host-call argument) is
 * lifted out of its linear memory by the host's ABI (runtime/abi) through one decoder, so the
 * host checks the size before any byte is copied, and refuses invalid UTF-8 instead of letting
 * TextDecoder turn it into U+FFFD.
 */
import { decodeUtf8, type StringDecoder } from "./abi/lift-lower";
import type { HostBytes } from "./host-bytes";
import { formatBytes, LimitError } from "./limits";

/** A string from the plugin is not valid UTF-8. */
export class GuestStringError extends Error {
  override readonly name = "GuestStringError";
}

/**
 * The decoder for one plugin instance: at most `maxBytes` per string, valid UTF-8 only; every
 * string and list lifted is counted against the call's `budget` (maxHostBytes) when given.
 */
export function createGuestStringDecoder(plugin: string, maxBytes: number, budget?: HostBytes): StringDecoder {
  const limit = (len: number): void => {
    if (len > maxBytes) {
      throw new LimitError(plugin, "maxStringBytes",
        `plugin "${plugin}" handed the host a string of ${len} bytes (${formatBytes(len)}; ` +
        `its result or a host-call argument), over its limit of maxStringBytes ${maxBytes} (${formatBytes(maxBytes)})`);
    }
  };
  return {
    check(len) {
      limit(len);
      budget?.take(plugin, len, "a string");
    },
    checkList(count, elemSize) {
      budget?.takeList(plugin, count, elemSize);
    },
    decode(bytes) {
      limit(bytes.byteLength); // a view on guest memory: its length is known before anything is copied
      const text = decodeUtf8(bytes);
      if (text === undefined) {
        throw new GuestStringError(`plugin "${plugin}" handed the host a string that is not valid UTF-8 (its result or a host-call argument)`);
      }
      return text;
    },
  };
}
