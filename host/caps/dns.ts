import * as z from "zod/mini";
import type * as Dns from "../generated/interfaces/cni-host-dns";
import { readResolvConf } from "../kernel/resolv-conf";
import { type CallContext, hostCall } from "./context";
import { denied, invalid } from "./errors";

/** The one key of a net config that names a file this interface reads (host-local's). */
const ResolvConfKey = z.object({ ipam: z.object({ resolvConf: z.string() }) });

/** `ipam.resolvConf` of the config the host passed to this plugin, if it names one. */
function configuredResolvConf(config: string): string | undefined {
  let conf: unknown;
  try {
    conf = JSON.parse(config);
  } catch {
    return undefined;
  }
  const r = ResolvConfKey.safeParse(conf);
  return r.success ? r.data.ipam.resolvConf : undefined;
}

/**
 * cni:host/dns — DNS settings read on the host for a plugin that has no file access. Only the
 * file its own config names in `ipam.resolvConf`, so a grant of `dns` reads no other file; only
 * the parsed settings go back, never the file's bytes.
 */
export function createDnsCaps(ctx: CallContext): typeof Dns {
  return {
    readResolvConf: hostCall(ctx, "dns.read-resolv-conf", (path: string) => {
      if (!path.startsWith("/")) throw invalid(`resolvConf ${JSON.stringify(path)} must be an absolute path`);
      if (configuredResolvConf(ctx.config) !== path) {
        throw denied(`plugin "${ctx.plugin}" may read only the resolvConf its config names (ipam.resolvConf), not ${path}`);
      }
      return readResolvConf(path);
    }),
  };
}
