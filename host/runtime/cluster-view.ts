/**
 * A cluster view (WIT cluster.view) as input: what `wasm-cni agent` hands runController and
 * what `wasm-cni reconcile --view <file>` reads. A controller's scope is derived from it
 * (scope.ts), so every CIDR, address and name in it is checked here, before anything runs.
 */
import * as z from "zod/mini";
import type { ClusterView } from "../caps/context";
import { isLinkName } from "../caps/link";
import { cidrString, ipString } from "../cni/ip-format";
import { describeZodError } from "../cni/zod-issue";

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Built on first use, as the other schemas are (policy-file.ts). */
function buildViewSchema() {
  const node = z.strictObject({
    name: z.string().check(z.minLength(1, "must not be empty")),
    subnets: z.array(cidrString),
    underlay: ipString,
    vtepMac: z.string().check(z.refine((s) => s === "" || MAC.test(s), 'must be a MAC address in lower case ("0a:58:0a:f4:01:01") or ""')),
  });
  return z.strictObject({
    local: node,
    peers: z.array(node),
    clusterCidrs: z.array(cidrString),
    underlayLink: z.string().check(z.refine(isLinkName, "must be an interface name (1-15 bytes, no \"/\", \":\", \"%\" or spaces)")),
    underlayMtu: z.int().check(z.minimum(68), z.maximum(65535)),
    options: z.string().check(z.refine(isJson, "must be a JSON text")),
  });
}
let viewSchema: ReturnType<typeof buildViewSchema> | undefined;

/** The view in `value`, checked; throws an Error naming `what` and the field. */
export function parseClusterView(value: unknown, what: string): ClusterView {
  const parsed = (viewSchema ??= buildViewSchema()).safeParse(value);
  if (!parsed.success) throw new Error(describeZodError(what, parsed.error));
  return parsed.data;
}
