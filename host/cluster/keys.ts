/**
 * The cluster's etcd keys (the issue 14 contract), under the operator's prefix:
 *   <prefix>/nodes/<name>              JSON {name, subnets, underlay, vtepMac}, on the node's lease
 *   <prefix>/subnets/<cidr, / as _>    the holding node's name, on its lease
 * and the node record's schema, checked on every read (a record that fails is left out).
 */
import * as z from "zod/mini";
import type { ClusterNode } from "../caps/context";
import { subnetKeyName } from "./subnets";

export const nodesPrefix = (prefix: string): string => `${prefix}/nodes/`;
export const nodeKey = (prefix: string, name: string): string => `${prefix}/nodes/${name}`;
export const subnetsPrefix = (prefix: string): string => `${prefix}/subnets/`;
export const subnetKey = (prefix: string, subnet: string): string => `${prefix}/subnets/${subnetKeyName(subnet)}`;

/** A node name as it may appear in a key: no "/", nothing a shell or a path would misread. */
export const NODE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]{0,252}$/;

export const nodeRecordSchema = z.object({
  name: z.string().check(z.regex(NODE_NAME)),
  subnets: z.array(z.string()).check(z.minLength(1), z.maxLength(2)),
  underlay: z.string(),
  vtepMac: z.string().check(z.regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)),
});

/** The value written at nodeKey. */
export const encodeNode = (n: ClusterNode): string =>
  JSON.stringify({ name: n.name, subnets: n.subnets, underlay: n.underlay, vtepMac: n.vtepMac });

/** The node record at `key`, or why it is not one. */
export function decodeNode(prefix: string, key: string, value: string): ClusterNode | string {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return `${key}: not JSON`;
  }
  const r = nodeRecordSchema.safeParse(json);
  if (!r.success) return `${key}: not a node record (${r.error.issues[0]?.path.join(".") || "value"}: ${r.error.issues[0]?.message ?? "invalid"})`;
  if (nodeKey(prefix, r.data.name) !== key) return `${key}: holds node ${JSON.stringify(r.data.name)}, not its own name`;
  return r.data;
}
