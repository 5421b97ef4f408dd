import type { NetConf } from "../cni/netconf";

/**
 * What the host functions take from the config the runtime passed on stdin: the scopes of
 * `store`, `ipam`, `dns` and `firewall` come from here, never from anything a plugin says. The operator
 * wrote these keys; the main plugin and its delegates see the same values.
 */
export interface NetworkConfig {
  /** The network's `name`: the store bucket of the call, and the tag of its firewall rules. */
  name: string;
  /** `ipam.type`: the IPAM plugin ipam.* runs, and the one plugin that opens the network's IPAM state. */
  ipamType?: string;
  /** `ipam.dataDir` as written (absent: the default root); store.open checks it is a clean absolute path. */
  dataDir?: unknown;
  /** `ipam.resolvConf`: the one file dns.read-resolv-conf reads. */
  resolvConf?: unknown;
  /** GC's `cni.dev/valid-attachments` (absent in other verbs): the attachments firewall.retain keeps. */
  validAttachments?: Attachment[];
}

/** An attachment a runtime still uses: the CNI_CONTAINERID and CNI_IFNAME of its ADD. */
export interface Attachment {
  containerId: string;
  ifname: string;
}

/** The network config of a call, from the runtime's config as dispatch validated it. */
export function networkConfigOf(conf: Pick<NetConf, "name" | "ipam" | "cni.dev/valid-attachments">): NetworkConfig {
  const ipam: Record<string, unknown> = conf.ipam ?? {};
  const valid = conf["cni.dev/valid-attachments"];
  return {
    name: conf.name,
    ...(typeof ipam.type === "string" && ipam.type !== "" && { ipamType: ipam.type }),
    ...(ipam.dataDir !== undefined && { dataDir: ipam.dataDir }),
    ...(ipam.resolvConf !== undefined && { resolvConf: ipam.resolvConf }),
    ...(valid !== undefined && { validAttachments: valid.map((a) => ({ containerId: a.containerID, ifname: a.ifname })) }),
  };
}
