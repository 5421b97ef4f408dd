import type { NetConf } from "../cni/netconf";

/**
 * What the host functions take from the config the runtime passed on stdin: the scopes of
 * `store`, `ipam` and `dns` come from here, never from anything a plugin says. The operator
 * wrote these keys; the main plugin and its delegates see the same values.
 */
export interface NetworkConfig {
  /** The network's `name`: the store bucket of the call. */
  name: string;
  /** `ipam.type`: the IPAM plugin ipam.* runs, and the one plugin that opens the network's IPAM state. */
  ipamType?: string;
  /** `ipam.dataDir` as written (absent: the default root); store.open checks it is a clean absolute path. */
  dataDir?: unknown;
  /** `ipam.resolvConf`: the one file dns.read-resolv-conf reads. */
  resolvConf?: unknown;
}

/** The network config of a call, from the runtime's config as dispatch validated it. */
export function networkConfigOf(conf: Pick<NetConf, "name" | "ipam">): NetworkConfig {
  const ipam: Record<string, unknown> = conf.ipam ?? {};
  return {
    name: conf.name,
    ...(typeof ipam.type === "string" && ipam.type !== "" && { ipamType: ipam.type }),
    ...(ipam.dataDir !== undefined && { dataDir: ipam.dataDir }),
    ...(ipam.resolvConf !== undefined && { resolvConf: ipam.resolvConf }),
  };
}
