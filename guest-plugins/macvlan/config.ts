// macvlan's config, as the Go plugin's loadConf reads it: master (default: the link of the
// default route), mode, mtu, mac (the config's, then CNI_ARGS MAC=, then runtimeConfig.mac),
// linkInContainer, bcqueuelen and ipam (optional: none means layer 2 only).
import { link, Request, CniError, Result, ok, NetConf, parseNetConf, readRequestedMac } from "@wasm-cni/sdk";

// @ts-ignore: decorator
@lazy @inline const E_MODE = "must be one of bridge, private, vepa, passthru";

export class MacvlanConf {
  master: string = "";
  mode: link.MacvlanMode = link.MacvlanMode.BRIDGE;
  mtu: u32 = 0;
  mac: string = "";
  linkInContainer: bool = false;
  bcQueueLen: u32 = 0;
  constructor(public net: NetConf) {}
}

/** ADD and CHECK: one call's config; code 7 naming every bad field. */
export function loadConfig(req: Request): Result<MacvlanConf, CniError> {
  return readConfig(req, true);
}

/** DEL, STATUS and GC: the keys' types only (no requested MAC, no check of the mode). */
export function loadLax(req: Request): Result<MacvlanConf, CniError> {
  return readConfig(req, false);
}

function readConfig(req: Request, strict: bool): Result<MacvlanConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<MacvlanConf>();
  const c = new MacvlanConf(p.value);
  const r = c.net.reader;
  c.master = r.optString("master");
  const mode = r.optString("mode");
  const m = modeOf(mode);
  // Only ADD makes a link of that mode: a config ADD refused still deletes, as in Go.
  if (m < 0) { if (strict) r.fail("mode", E_MODE); }
  else c.mode = <link.MacvlanMode>m;
  c.mtu = r.optU32("mtu");
  c.linkInContainer = r.optBool("linkInContainer");
  c.bcQueueLen = r.optU32("bcqueuelen");
  if (strict) c.mac = readRequestedMac(req, r);
  const bad = c.net.check();
  return bad.isErr ? bad.pass<MacvlanConf>() : ok<MacvlanConf, CniError>(c);
}

/** The config's name of a mode, as Go's macvlanModeToString. */
export function modeName(m: link.MacvlanMode): string {
  switch (m) {
    case link.MacvlanMode.PRIVATE: return "private";
    case link.MacvlanMode.VEPA: return "vepa";
    case link.MacvlanMode.PASSTHRU: return "passthru";
    case link.MacvlanMode.SOURCE: return "source";
    default: return "bridge";
  }
}

/** Go's modeFromString; -1 for an unknown mode ("source" needs MAC lists Go does not take either). */
function modeOf(s: string): i32 {
  if (s == "" || s == "bridge") return link.MacvlanMode.BRIDGE;
  if (s == "private") return link.MacvlanMode.PRIVATE;
  if (s == "vepa") return link.MacvlanMode.VEPA;
  if (s == "passthru") return link.MacvlanMode.PASSTHRU;
  return -1;
}
