import type * as Log from "../generated/interfaces/cni-host-log";
import { type CallContext, countHostCall } from "./context";

/**
 * cni:host/log — one line to stderr, prefixed with the plugin; stdout belongs to the result.
 * Not recorded for the audit log (the line is on stderr), but counted against maxHostCalls.
 */
export function createLogCaps(ctx: CallContext): typeof Log {
  return {
    write(level, message) {
      countHostCall(ctx, "log.write");
      ctx.log(`${ctx.plugin} ${level}: ${message.replace(/[\r\n]+/g, " ").slice(0, 4096)}`);
    },
  };
}
