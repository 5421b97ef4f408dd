// bridge's config, the keys of the Go plugin's NetConf. Every problem is reported at once
// (code 7, naming the field). Keys whose feature the host cannot provide yet are refused when
// they ask for it rather than silently ignored (README, "Gaps").
import { Request, CniError, NetConf, ObjectReader, Result, ok, err, parseNetConf } from "@wasm-cni/sdk";
import { DEFAULT_BRIDGE, E_HAIRPIN_PROMISC, E_MAC, E_MASQ_BACKEND, E_NAME, E_NO_IPAM_WITH, E_VLAN } from "./errors";

export class BridgeConf {
  bridge: string = DEFAULT_BRIDGE;
  isGateway: bool = false;
  /** Implies isGateway: a default route via the gateway in the container. */
  isDefaultGateway: bool = false;
  forceAddress: bool = false;
  ipMasq: bool = false;
  mtu: u32 = 0;
  hairpinMode: bool = false;
  promiscMode: bool = false;
  portIsolation: bool = false;
  disableContainerInterface: bool = false;
  enableDad: bool = false;
  /** Drop frames from the container whose source MAC is not its interface's (nftables, bridge family). */
  macSpoofChk: bool = false;
  /** The container interface's MAC: runtimeConfig.mac, args.cni.mac or CNI_ARGS MAC ("" for random). */
  mac: string = "";

  constructor(public net: NetConf) {}

  /** Addresses from IPAM; without ipam.type the bridge is layer 2 only. */
  get layer3(): bool { return this.net.ipamType.length > 0; }
}

export function loadConfig(req: Request): Result<BridgeConf, CniError> {
  const p = parseNetConf(req.config);
  if (!p.ok) return err<BridgeConf, CniError>(p.error!);
  const c = new BridgeConf(p.conf!);
  const r = c.net.reader;
  c.bridge = r.optString("bridge", DEFAULT_BRIDGE);
  if (c.bridge.length == 0 || String.UTF8.byteLength(c.bridge) > 15) r.fail("bridge", E_NAME);
  c.isDefaultGateway = r.optBool("isDefaultGateway");
  c.isGateway = r.optBool("isGateway") || c.isDefaultGateway;
  c.forceAddress = r.optBool("forceAddress");
  c.ipMasq = r.optBool("ipMasq");
  // Both backends give the same masquerading; ours is always nftables (README, "Differences").
  const backend = r.optString("ipMasqBackend");
  if (backend.length > 0 && backend != "iptables" && backend != "nftables") r.fail("ipMasqBackend", E_MASQ_BACKEND);
  c.mtu = r.optU32("mtu");
  c.hairpinMode = r.optBool("hairpinMode");
  c.promiscMode = r.optBool("promiscMode");
  if (c.hairpinMode && c.promiscMode) r.fail("hairpinMode", E_HAIRPIN_PROMISC);
  c.portIsolation = r.optBool("portIsolation");
  c.enableDad = r.optBool("enabledad");
  c.disableContainerInterface = r.optBool("disableContainerInterface");
  if (c.disableContainerInterface && c.layer3) r.fail("disableContainerInterface", E_NO_IPAM_WITH);
  if (r.optU32("vlan") != 0) r.fail("vlan", E_VLAN);
  if (r.has("vlanTrunk")) r.fail("vlanTrunk", E_VLAN);
  r.optBool("preserveDefaultVlan"); // only meaningful with a VLAN
  c.macSpoofChk = r.optBool("macspoofchk");
  c.mac = readMac(req, r);
  const bad = c.net.check();
  return bad != null ? err<BridgeConf, CniError>(bad) : ok<BridgeConf, CniError>(c);
}

/** The requested MAC; later sources win, as in Go: CNI_ARGS MAC, args.cni.mac, runtimeConfig.mac. */
function readMac(req: Request, r: ObjectReader): string {
  let mac = "";
  for (let i = 0; i < req.args.length; i++) if (req.args[i].v0 == "MAC") mac = req.args[i].v1;
  const args = r.optObject("args");
  const cni = args != null ? args.optObject("cni") : null;
  if (cni != null) mac = orElse(cni.optString("mac"), mac);
  const rc = r.optObject("runtimeConfig");
  if (rc != null) mac = orElse(rc.optString("mac"), mac);
  if (mac.length > 0 && !isMac(mac)) r.fail("mac", E_MAC);
  return mac;
}

function orElse(s: string, fallback: string): string {
  return s.length > 0 ? s : fallback;
}

/** Six colon-separated pairs of hex digits. */
function isMac(s: string): bool {
  if (s.length != 17) return false;
  for (let i = 0; i < 17; i++) {
    const c = s.charCodeAt(i);
    if (i % 3 == 2) { if (c != 58) return false; continue; } // ':'
    const hex = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    if (!hex) return false;
  }
  return true;
}
