// CNI_ARGS keys a plugin does not know, refused as libcni's types.LoadArgs refuses them: a
// typo in `IP=` fails the call instead of going unnoticed, unless the runtime sent
// `IgnoreUnknown=1` (Kubernetes does, for its K8S_POD_* keys).
import { Request } from "../bindings/index";
import { quoteJson } from "../json/index";
import { CniErrorCode } from "./errors";
import { Unit } from "../abi/result";
import { Done, done, fail, newCniError } from "./cni-error";

/** True when CNI_ARGS has `IgnoreUnknown` set to 1 or true (the host checked its value). */
export function ignoresUnknownArgs(req: Request): bool {
  for (let i = 0; i < req.args.length; i++) {
    if (req.args[i].v0 != "IgnoreUnknown") continue;
    const v = req.args[i].v1.toLowerCase();
    return v == "1" || v == "true";
  }
  return false;
}

/**
 * Code 4 naming every CNI_ARGS pair whose key is not in `known` (IgnoreUnknown always is),
 * `ARGS: unknown args ["FOO=bar"]` as Go says it; done when there is none or `IgnoreUnknown`
 * is set.
 */
export function checkKnownArgs(req: Request, known: string[]): Done {
  if (ignoresUnknownArgs(req)) return done();
  let unknown = "";
  for (let i = 0; i < req.args.length; i++) {
    const key = req.args[i].v0;
    if (key == "IgnoreUnknown" || known.includes(key)) continue;
    unknown += (unknown.length > 0 ? " " : "") + quoteJson(key + "=" + req.args[i].v1);
  }
  if (unknown.length == 0) return done();
  return fail<Unit>(newCniError(CniErrorCode.INVALID_ENV, "ARGS: unknown args [" + unknown + "]"));
}
