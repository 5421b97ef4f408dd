/**
 * CNI_ARGS, "K=V;K2=V2" (SPEC.md: "alphanumeric key-value pairs separated by semicolons").
 * The rules follow libcni's types.LoadArgs, split between host and plugin:
 * - every pair has exactly one "=" and a key, else the call fails here with code 4, so a typo
 *   never silently drops an argument (LoadArgs: `ARGS: invalid pair`). We also refuse an empty
 *   key, which LoadArgs would count as unknown;
 * - `IgnoreUnknown` must be a Go bool (1, true, 0, false, any case): every Go plugin embeds
 *   CommonArgs, so LoadArgs always parses it and fails on anything else;
 * - unknown keys pass through, in order: only the plugin knows its keys, and it refuses unknown
 *   ones unless IgnoreUnknown is true, as LoadArgs does. Kubernetes sends its K8S_POD_* keys
 *   with IgnoreUnknown=1 for exactly this reason. A repeated key is passed twice; the last wins.
 */
import { CniError, CniErrorCode } from "../cni/errors";

/** The pod a call is for, when the runtime (kubelet's CRI runtime) says so in CNI_ARGS. */
export interface KubernetesPod {
  namespace?: string;
  name?: string;
  infraContainerId?: string;
  uid?: string;
}

const POD_KEYS = new Map<string, keyof KubernetesPod>([
  ["K8S_POD_NAMESPACE", "namespace"],
  ["K8S_POD_NAME", "name"],
  ["K8S_POD_INFRA_CONTAINER_ID", "infraContainerId"],
  ["K8S_POD_UID", "uid"],
]);

/** libcni's UnmarshallableBool accepts these after lower-casing. */
const GO_BOOL = /^(1|0|true|false)$/i;

/** The pairs of a CNI_ARGS value, or what is wrong with it (phrased to follow the name). */
function scan(value: string): { pairs: [string, string][] } | { problem: string } {
  const pairs: [string, string][] = [];
  if (value === "") return { pairs };
  for (const pair of value.split(";")) {
    const kv = pair.split("=");
    const [key, val] = kv;
    if (kv.length !== 2 || key === undefined || val === undefined || key === "") {
      return { problem: `has an invalid pair ${JSON.stringify(pair)} (expected K=V;K2=V2)` };
    }
    if (key === "IgnoreUnknown" && !GO_BOOL.test(val)) {
      return { problem: `has an invalid IgnoreUnknown value ${JSON.stringify(val)} (expected 1, true, 0 or false)` };
    }
    pairs.push([key, val]);
  }
  return { pairs };
}

/** What is wrong with a CNI_ARGS value, phrased to follow the variable's name. */
export function cniArgsProblem(value: string): string | undefined {
  const scanned = scan(value);
  return "problem" in scanned ? scanned.problem : undefined;
}

/** `"K=V;K2=V2"` → `[["K","V"],["K2","V2"]]`, order kept; code 4 when malformed. */
export function parseCniArgs(value: string): [string, string][] {
  const scanned = scan(value);
  if ("problem" in scanned) throw new CniError(CniErrorCode.INVALID_ENV, `CNI_ARGS ${scanned.problem}`);
  return scanned.pairs;
}

/** The K8S_POD_* keys of parsed CNI_ARGS, the last of each winning; undefined when none. */
export function kubernetesPod(args: readonly [string, string][]): KubernetesPod | undefined {
  let pod: KubernetesPod | undefined;
  for (const [key, value] of args) {
    const field = POD_KEYS.get(key);
    if (field !== undefined) (pod ??= {})[field] = value;
  }
  return pod;
}
