/**
 * Every string a plugin hands the host (its result, an error, each host-call argument) is
 * lifted out of its linear memory by jco's glue through one decoder. tools/plugin-build.ts
 * makes the glue take that decoder from the import object under GUEST_STRINGS, so the host
 * checks the size before any byte is copied, and refuses invalid UTF-8 instead of letting
 * TextDecoder turn it into U+FFFD. Glue built without us (no such import) falls back to a
 * strict decoder, so invalid UTF-8 is refused there too.
 */
import { isUtf8 } from "node:buffer";
import { formatBytes, LimitError } from "./limits";

/** The import-object key the patched glue reads its decoder from (not a WIT interface). */
export const GUEST_STRINGS = "wasm-cni:guest-strings";

/** What the glue calls: `decode(new Uint8Array(memory.buffer, ptr, len))`. */
export interface GuestStringDecoder {
  decode(bytes: Uint8Array): string;
}

/** A string from the plugin is not valid UTF-8. */
export class GuestStringError extends Error {
  override readonly name = "GuestStringError";
}

/** The decoder for one plugin instance: at most `maxBytes` per string, valid UTF-8 only. */
export function createGuestStringDecoder(plugin: string, maxBytes: number): GuestStringDecoder {
  const decoder = new TextDecoder(); // as jco's glue makes it; validity is checked first
  return {
    decode(bytes) {
      // A view on guest memory: its length is known before anything is copied.
      if (bytes.byteLength > maxBytes) {
        throw new LimitError(plugin, "maxStringBytes",
          `plugin "${plugin}" handed the host a string of ${bytes.byteLength} bytes (${formatBytes(bytes.byteLength)}; ` +
          `its result or a host-call argument), over its limit of maxStringBytes ${maxBytes} (${formatBytes(maxBytes)})`);
      }
      if (!isUtf8(bytes)) {
        throw new GuestStringError(`plugin "${plugin}" handed the host a string that is not valid UTF-8 (its result or a host-call argument)`);
      }
      return decoder.decode(bytes);
    },
  };
}
