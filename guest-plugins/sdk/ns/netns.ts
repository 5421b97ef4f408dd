// The namespaces of a call as handles, like pkg/ns's GetNS: the container's (CNI_NETNS) and the
// host's (where the runtime exec'd us). The host opens them; a plugin never names a path.
import { netns, NetnsId, CniError, Request } from "../bindings/index";
import { Result, ok } from "../abi/index";
import { fail, hostErrorToCni } from "../types/index";

/** The container netns (CNI_NETNS) as a handle, or code 999 naming it. */
export function containerNetns(req: Request): Result<NetnsId, CniError> {
  const r = netns.container();
  if (r.isErr) return fail<NetnsId>(hostErrorToCni(r.error, "failed to open netns " + req.netns));
  return ok<NetnsId, CniError>(r.value);
}

/** The host netns (where the runtime exec'd us) as a handle; needs the host-netns grant. */
export function hostNetns(): Result<NetnsId, CniError> {
  const r = netns.host();
  if (r.isErr) return fail<NetnsId>(hostErrorToCni(r.error, "failed to open netns"));
  return ok<NetnsId, CniError>(r.value);
}
