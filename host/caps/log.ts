import type * as Log from "../generated/interfaces/cni-host-log";
import { type CallContext, countHostCall } from "./context";

/** Longest message kept, in UTF-16 code units, before escaping. */
const MAX_MESSAGE = 4096;

/**
 * What a terminal or a log reader would act on rather than show: C0 controls (newline, ESC),
 * DEL, C1 controls (0x9b is a one-byte CSI), the line and paragraph separators, the bidi
 * marks, embeddings, overrides and isolates (a line that reads backwards), and a surrogate
 * left alone by the cut at MAX_MESSAGE.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` with every character of UNSAFE written as its escape (`\x1b`, `\u202e`): visible, inert. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
  });
}

/**
 * cni:host/log — one line to stderr, prefixed with the plugin; stdout belongs to the result.
 * The message cannot end the line or drive the terminal (escapeControls), so a line cannot
 * pose as another plugin's or the host's. Not recorded for the audit log (the line is on
 * stderr), but counted against maxHostCalls.
 */
export function createLogCaps(ctx: CallContext): typeof Log {
  return {
    write(level, message) {
      countHostCall(ctx, "log.write");
      ctx.log(`${ctx.plugin} ${level}: ${escapeControls(message.slice(0, MAX_MESSAGE))}`);
    },
  };
}
