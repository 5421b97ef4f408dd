/**
 * The result of spec 0.3.0, 0.3.1 and 0.4.0, after libcni's pkg/types/040 (one Go package for
 * the three: the JSON did not change). Against 1.0.0 each `ips[]` entry carries its family in
 * `version`, interfaces have no mtu/socketPath/pciID and routes only `dst` and `gw`.
 */
import * as z from "zod/mini";
import { cidrString, goFamily, ipString } from "./ip-format";
import { copyDns, dnsSchema, plainRoute, routeSchema, uint } from "./result-parts";
import type { ResultV110 } from "./v100";

/** Go's Interface of pkg/types/040: no mtu, socketPath or pciID yet. */
interface InterfaceV040 {
  name: string;
  mac?: string;
  sandbox?: string;
}

/**
 * Built on demand, not at load: only a 0.x prevResult needs it, and every schema built at
 * startup is paid by every call.
 */
export function resultV040Schema() {
  const interfaceV040 = z.object({
    name: z.string(),
    mac: z.optional(z.string()),
    sandbox: z.optional(z.string()),
  });
  const ipConfigV040 = z.object({
    /**
     * SPEC.md 0.4.0 requires "4" or "6"; libcni neither requires nor checks it and ignores it
     * when converting up. We accept it absent but refuse a value that is neither.
     */
    version: z.optional(z.enum(["4", "6"])),
    interface: z.optional(uint),
    address: cidrString,
    gateway: z.optional(ipString),
  });
  return z.object({
    cniVersion: z.optional(z.string()),
    interfaces: z.optional(z.array(interfaceV040)),
    ips: z.optional(z.array(ipConfigV040)),
    routes: z.optional(z.array(routeSchema)),
    dns: z.optional(dnsSchema),
  });
}

export type ResultV040 = z.infer<ReturnType<typeof resultV040Schema>>;

/** Go's omitempty on the interface's strings: an empty mac or sandbox is left out. */
function interfaceV040Of(from: InterfaceV040): InterfaceV040 {
  const to: InterfaceV040 = { name: from.name };
  if (from.mac) to.mac = from.mac;
  if (from.sandbox) to.sandbox = from.sandbox;
  return to;
}

/** libcni's convertFrom04x: `version` is dropped, as 1.0.0 reads the family off the address. */
export function liftV040(r: ResultV040): ResultV110 {
  const out: ResultV110 = {};
  if (r.interfaces?.length) out.interfaces = r.interfaces.map(interfaceV040Of);
  if (r.ips?.length) out.ips = r.ips.map(({ version: _family, ...ip }) => ip);
  if (r.routes?.length) out.routes = r.routes.map(plainRoute);
  const dns = copyDns(r.dns);
  if (dns !== undefined) out.dns = dns;
  return out;
}

/**
 * libcni's convertTo04x: every IP gains `version` from its address ("4" also for
 * ::ffff:a.b.c.d, as Go's To4 says), interfaces lose the 1.1.0 fields. `dns` is always
 * printed, `{}` when empty: Go's omitempty does not apply to a struct.
 */
export function lowerToV040(r: ResultV110): Omit<ResultV040, "cniVersion"> {
  const out: Omit<ResultV040, "cniVersion"> = {};
  if (r.interfaces?.length) out.interfaces = r.interfaces.map(interfaceV040Of);
  if (r.ips?.length) {
    out.ips = r.ips.map((ip) => ({
      version: goFamily(ip.address) === 4 ? "4" : "6",
      ...(ip.interface !== undefined && { interface: ip.interface }),
      address: ip.address,
      ...(ip.gateway !== undefined && { gateway: ip.gateway }),
    }));
  }
  if (r.routes?.length) out.routes = r.routes.map(plainRoute);
  out.dns = copyDns(r.dns) ?? {};
  return out;
}
