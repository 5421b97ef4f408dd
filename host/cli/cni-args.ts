/**
 * CNI_ARGS, "K=V;K2=V2" (SPEC.md: "alphanumeric key-value pairs separated by semicolons").
 * Strict like libcni's types.LoadArgs: every pair has exactly one "=", so a typo fails the
 * call instead of silently dropping an argument the plugin was meant to see.
 */
import { CniError, CniErrorCode } from "../cni/errors";

function splitPair(pair: string): [string, string] | undefined {
  const kv = pair.split("=");
  const [key, val] = kv;
  if (kv.length !== 2 || key === undefined || val === undefined || key === "") return undefined;
  return [key, val];
}

/** What is wrong with a CNI_ARGS value, phrased to follow the variable's name. */
export function cniArgsProblem(value: string): string | undefined {
  if (value === "") return undefined;
  const bad = value.split(";").find((pair) => splitPair(pair) === undefined);
  return bad === undefined ? undefined : `has an invalid pair ${JSON.stringify(bad)} (expected K=V;K2=V2)`;
}

/** `"K=V;K2=V2"` → `[["K","V"],["K2","V2"]]`, order kept; code 4 when malformed. */
export function parseCniArgs(value: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (value === "") return pairs;
  for (const pair of value.split(";")) {
    const kv = splitPair(pair);
    if (kv === undefined) throw new CniError(CniErrorCode.INVALID_ENV, `CNI_ARGS ${cniArgsProblem(value) ?? "is invalid"}`);
    pairs.push(kv);
  }
  return pairs;
}
