import type * as Dns from "../generated/interfaces/cni-host-dns";
import { readResolvConf } from "../kernel/resolv-conf";
import { type CallContext, hostCall } from "./context";
import { denied, invalid } from "./errors";

/**
 * cni:host/dns — DNS settings read on the host for a plugin that has no file access. Only the
 * file the runtime's config of the call names in `ipam.resolvConf` (network-config.ts), so a
 * grant of `dns` reads no other file, and a parent plugin cannot point its delegate elsewhere;
 * only the parsed settings go back, never the file's bytes.
 */
export function createDnsCaps(ctx: CallContext): typeof Dns {
  return {
    readResolvConf: hostCall(ctx, "dns.read-resolv-conf", (path: string) => {
      if (!path.startsWith("/")) throw invalid(`resolvConf ${JSON.stringify(path)} must be an absolute path`);
      if (ctx.network.resolvConf !== path) {
        throw denied(`plugin "${ctx.plugin}" may read only the resolvConf the network config names (ipam.resolvConf), not ${path}`);
      }
      return readResolvConf(path);
    }),
  };
}
