import type * as Log from "../generated/interfaces/cni-host-log";
import type { CallContext } from "./context";

/** cni:host/log — one line to stderr, prefixed with the plugin; stdout belongs to the result. */
export function createLogCaps(ctx: CallContext): typeof Log {
  return {
    write(level, message) {
      ctx.log(`${ctx.plugin} ${level}: ${message.replace(/[\r\n]+/g, " ").slice(0, 4096)}`);
    },
  };
}
