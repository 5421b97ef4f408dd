/**
 * The node's conflist, where the runtime reads it (flannel's `10-flannel.conflist` written by
 * its daemon): overlay → `bridge` on cni0 as the pods' gateway, MTU = underlay - 50 (VXLAN's
 * headers); routed → `routed`, MTU = underlay. Both take addresses from host-local in the node's
 * subnet(s). Written atomically: a runtime never reads half of it.
 */
import { writeFileAtomic } from "../cluster/write-file-atomic";
import type { NetworkKind } from "./config";

/** VXLAN over IPv4: outer IP 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD = 50;

export interface ConflistInput {
  network: NetworkKind;
  name: string;
  /** The node's subnets: IPv4, then IPv6 when dual stack. */
  subnets: readonly string[];
  underlayMtu: number;
  dataDir?: string;
}

export function buildConflist(c: ConflistInput): Record<string, unknown> {
  const ipam = {
    type: "host-local",
    ranges: c.subnets.map((subnet) => [{ subnet }]),
    ...(c.dataDir !== undefined && { dataDir: c.dataDir }),
  };
  const plugin = c.network === "overlay"
    // isDefaultGateway (implies isGateway): the pods' default route via cni0, as flannel's.
    ? { type: "bridge", bridge: "cni0", isGateway: true, isDefaultGateway: true, mtu: c.underlayMtu - VXLAN_OVERHEAD, ipam }
    : { type: "routed", mtu: c.underlayMtu, ipam };
  return { cniVersion: "1.0.0", name: c.name, plugins: [plugin] };
}

/** Writes the conflist (temp file + rename); answers whether it changed. */
export function writeConflist(path: string, c: ConflistInput, read: (p: string) => string | undefined): boolean {
  const text = `${JSON.stringify(buildConflist(c), null, 2)}\n`;
  if (read(path) === text) return false;
  writeFileAtomic(path, text);
  return true;
}
