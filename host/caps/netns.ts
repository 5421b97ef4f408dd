import type * as Netns from "../generated/interfaces/cni-host-netns";
import { NetnsGoneError } from "../kernel/errors";
import { type CallContext, hostCall } from "./context";
import { CapError, denied } from "./errors";

/** cni:host/netns — handles for the call's namespaces; a plugin never sees a path. */
export function createNetnsCaps(ctx: CallContext): typeof Netns {
  return {
    container: hostCall(ctx, "netns.container", () => {
      const path = ctx.call.netnsPath;
      if (!path) throw new CapError({ tag: "netns-gone", val: "the call has no CNI_NETNS" });
      try {
        return ctx.namespaces.open(path);
      } catch (e) {
        if (e instanceof NetnsGoneError) throw new CapError({ tag: "netns-gone", val: `netns ${path} does not exist` });
        throw e;
      }
    }),
    host: hostCall(ctx, "netns.host", () => {
      if (!ctx.grant.hostNetns) throw denied(`plugin "${ctx.plugin}" is not granted the host network namespace`);
      return ctx.namespaces.open("");
    }),
  };
}
