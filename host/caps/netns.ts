import type * as Netns from "../generated/interfaces/cni-host-netns";
import { NetnsGoneError } from "../kernel/errors";
import { type CallContext, hostCall } from "./context";
import { CapError, denied } from "./errors";
import { PluginScope, scopeOf } from "./scope";

/**
 * cni:host/netns — handles for the call's namespaces; a plugin never sees a path. The only
 * namespaces a plugin can name are CNI_NETNS and, with the grant, the host's: every other
 * cap takes only ids this plugin got here (scope.ts).
 */
export function createNetnsCaps(ctx: CallContext): typeof Netns {
  const hostDenied = () => denied(`plugin "${ctx.plugin}" is not granted the host network namespace`);
  return {
    container: hostCall(ctx, "netns.container", () => {
      if (ctx.cluster !== undefined) throw denied(`controller "${ctx.plugin}" has no container: netns.container is for CNI plugins`);
      const path = ctx.call.netnsPath;
      if (!path) throw new CapError({ tag: "netns-gone", val: "the call has no CNI_NETNS" });
      let id: number;
      try {
        id = ctx.namespaces.open(path);
      } catch (e) {
        if (e instanceof NetnsGoneError) throw new CapError({ tag: "netns-gone", val: `netns ${path} does not exist` });
        throw e;
      }
      // A CNI_NETNS that is the host's own netns is the host's, with its grant and its scope.
      const isHost = PluginScope.isHostNetns(ctx.namespaces.netns(id));
      if (isHost && !ctx.grant.hostNetns) {
        throw denied(`CNI_NETNS ${path} is the host's network namespace, which plugin "${ctx.plugin}" is not granted`);
      }
      scopeOf(ctx).hold(id, isHost);
      return id;
    }),
    host: hostCall(ctx, "netns.host", () => {
      if (!ctx.grant.hostNetns) throw hostDenied();
      const id = ctx.namespaces.open("");
      scopeOf(ctx).hold(id, true);
      return id;
    }),
  };
}
