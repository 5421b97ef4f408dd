import type * as Ipam from "../generated/interfaces/cni-host-ipam";
import { type CallContext, hostCall } from "./context";
import { CniDenial, WitError } from "./errors";

/**
 * cni:host/ipam — delegation to an IPAM plugin, run in this process (no second exec). The
 * IPAM plugin gets its own grant; the caller must be granted the delegate by name.
 */
export function createIpamCaps(ctx: CallContext): typeof Ipam {
  const run = (verb: "add" | "check" | "del" | "status" | "gc") =>
    hostCall(ctx, `ipam.${verb}`, (plugin: string, config: string) => {
      if (!ctx.grant.delegates.includes(plugin)) {
        throw new CniDenial(`plugin "${ctx.plugin}" may not delegate to "${plugin}" (not among its grant's delegates)`);
      }
      const r = ctx.delegate(plugin, verb, config);
      if (!r.ok) throw new WitError(r.error, r.error.msg);
      return r.value;
    });
  return {
    add: run("add") as (plugin: string, config: string) => string,
    check: run("check") as (plugin: string, config: string) => void,
    del: run("del") as (plugin: string, config: string) => void,
    status: run("status") as (plugin: string, config: string) => void,
    gc: run("gc") as (plugin: string, config: string) => void,
  };
}
