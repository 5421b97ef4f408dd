// The MAC a runtime asks for, as the Go plugins read it for their container link.
import { Request } from "../bindings/index";
import { ObjectReader } from "../json/index";

// @ts-ignore: decorator
@lazy @inline const E_MAC = "must be a MAC address such as \"0a:58:0a:01:00:02\"";

/**
 * The requested MAC, "" for none; later sources win, as in macvlan's loadConf: the config's
 * `mac`, CNI_ARGS `MAC=`, `runtimeConfig.mac` (capability `mac`). A malformed one is recorded
 * on the reader as a problem with `mac`.
 */
export function readRequestedMac(req: Request, r: ObjectReader): string {
  let mac = r.optString("mac");
  for (let i = 0; i < req.args.length; i++) if (req.args[i].v0 == "MAC") mac = req.args[i].v1;
  const rc = r.optObject("runtimeConfig");
  if (rc != null) {
    const m = rc.optString("mac");
    if (m.length > 0) mac = m;
  }
  if (mac.length > 0 && !isMac(mac)) r.fail("mac", E_MAC);
  return mac;
}

/** Six colon-separated pairs of hex digits, the form link.create takes. */
export function isMac(s: string): bool {
  if (s.length != 17) return false;
  for (let i = 0; i < 17; i++) {
    const c = s.charCodeAt(i);
    if (i % 3 == 2) {
      if (c != 0x3a) return false;
      continue;
    }
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
  }
  return true;
}
