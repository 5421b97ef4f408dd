// overlay-controller's options (view.options): Flannel's vxlan backend keys.
import { Result, CniError, ok, parseOptions } from "@wasm-cni/sdk";

// @ts-ignore: decorator
@lazy const MAX_VNI: u32 = 16777215;
// @ts-ignore: decorator
@lazy const MIN_PORT: u32 = 1024;
// @ts-ignore: decorator
@lazy const MAX_PORT: u32 = 65535;

export class OverlayOptions {
  /** VXLAN network identifier (Flannel's VNI, default 1). */
  vni: u32 = 1;
  /** UDP port (default 8472, Flannel's and the kernel's; IANA's is 4789). */
  port: u16 = 8472;
  /** Peers on this node's underlay subnet are routed directly, without encapsulation. */
  directRouting: bool = false;
}

/** The options, or code 7 naming every bad or unknown key (before anything is changed). */
export function readOptions(json: string): Result<OverlayOptions, CniError> {
  const p = parseOptions(json);
  if (p.isErr) return p.pass<OverlayOptions>();
  const r = p.value.reader;
  const o = new OverlayOptions();
  o.vni = r.optU32("vni", 1);
  if (o.vni > MAX_VNI) r.fail("vni", "is " + o.vni.toString() + ", must be 0-16777215");
  // Below 1024 the vxlan socket would take a port of the node's own services (the host refuses).
  const port = r.optU32("port", 8472);
  if (port < MIN_PORT || port > MAX_PORT) r.fail("port", "is " + port.toString() + ", must be 1024-65535");
  o.port = <u16>port;
  o.directRouting = r.optBool("directRouting", false);
  const bad = p.value.check(["vni", "port", "directRouting"]);
  return bad.isErr ? bad.pass<OverlayOptions>() : ok<OverlayOptions, CniError>(o);
}
