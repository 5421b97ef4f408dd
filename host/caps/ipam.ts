import type * as Ipam from "../generated/interfaces/cni-host-ipam";
import { type CallContext, hostCall } from "./context";
import { CniDenial, WitError } from "./errors";

type IpamVerb = "add" | "check" | "del" | "status" | "gc";

/**
 * cni:host/ipam — delegation to the network's IPAM plugin, run in this process (no second
 * exec), as Go's ipam.ExecAdd runs it: the plugin the runtime's config names in `ipam.type`
 * (it must be among the caller's grant's delegates), on that config unchanged, for the verb of
 * the call in progress only. The IPAM plugin gets its own grant.
 *
 * During ADD, `del` does not run the IPAM plugin's DEL, which releases by container id and
 * ifname and so could free a concurrent ADD's reservation of the same id: it undoes what the
 * IPAM plugin changed in its store in this call (the journal, store.ts), exactly the failure
 * path's "release my reservation". A failed ADD is undone by the host anyway.
 */
export function createIpamCaps(ctx: CallContext): typeof Ipam {
  const run = (verb: IpamVerb) =>
    hostCall(ctx, `ipam.${verb}`, () => {
      const command = ctx.call.command;
      const own = command.toLowerCase();
      if (verb !== own && !(verb === "del" && command === "ADD")) {
        const allowed = command === "ADD" ? "ipam.add, and ipam.del to undo its own reservation" : `ipam.${own}`;
        throw new CniDenial(`plugin "${ctx.plugin}" may not run ipam.${verb} during ${command} (only the verb of the call in progress: ${allowed})`);
      }
      const plugin = ctx.network.ipamType;
      if (plugin === undefined) {
        const msg = `plugin "${ctx.plugin}" called ipam.${verb}, but the network config names no IPAM plugin (ipam.type)`;
        throw new WitError({ code: 7, msg, details: "" }, msg);
      }
      if (!ctx.grant.delegates.includes(plugin)) {
        throw new CniDenial(`plugin "${ctx.plugin}" may not delegate to "${plugin}" (not among its grant's delegates)`);
      }
      if (verb === "del" && command === "ADD") {
        ctx.journal.rollback(ctx.records, `store:${plugin}`);
        return undefined;
      }
      const r = ctx.delegate(plugin, verb);
      if (!r.ok) throw new WitError(r.error, r.error.msg);
      return r.value;
    });
  return {
    add: run("add") as () => string,
    check: run("check") as () => void,
    del: run("del") as () => void,
    status: run("status") as () => void,
    gc: run("gc") as () => void,
  };
}
