// bridge's config, the keys of the Go plugin's NetConf. Every problem is reported at once
// (code 7, naming the field). Keys whose feature the host cannot provide yet are refused when
// they ask for it rather than silently ignored (README, "Gaps").
import { Request, CniError, NetConf, ObjectReader, Result, ok, parseNetConf } from "@wasm-cni/sdk";
import {
  DEFAULT_BRIDGE, E_HAIRPIN_PROMISC, E_MAC, E_MASQ_BACKEND, E_NAME, E_NO_IPAM_WITH, E_VLAN_ID,
  E_TRUNK_ID, E_TRUNK_MIN, E_TRUNK_MAX, E_TRUNK_ORDER, E_TRUNK_NO_MIN, E_TRUNK_NO_MAX, E_VLAN_GATEWAY,
} from "./errors";

/** The gateway interface of a VLAN network with isGateway, as Go names it: `<bridge>.<vlan>`. */
export function vlanGatewayName(c: BridgeConf): string {
  return c.bridge + "." + c.vlan.toString();
}

/** The highest VLAN id (4095 is reserved). */
const VID_MAX: i64 = 4094;

/** VLAN ids first..last tagged on the port (one VLAN when first == last). */
export class VlanRange {
  constructor(public first: u16, public last: u16) {}
}

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
  /** The port's PVID, untagged (an access port); 0 for none. */
  vlan: u16 = 0;
  /** VLANs tagged on the port (a trunk port), merged into sorted, disjoint ranges. */
  vlanTrunk: VlanRange[] = [];
  /** Keep VLAN 1 on the port (Go's default); false removes it when vlan or vlanTrunk is set. */
  preserveDefaultVlan: bool = true;
  /** Make the bridge filter VLANs: vlan or vlanTrunk given (an empty vlanTrunk too, as in Go). */
  vlanFiltering: bool = false;

  constructor(public net: NetConf) {}

  /** Addresses from IPAM; without ipam.type the bridge is layer 2 only. */
  get layer3(): bool { return this.net.ipamType.length > 0; }
}

/** ADD, CHECK and STATUS: every check, as Go's cmdAdd makes them. */
export function loadConfig(req: Request): Result<BridgeConf, CniError> {
  return readConfig(req, true);
}

/**
 * DEL and GC: the keys' types and values, without the checks of option combinations that only
 * shape what ADD builds (hairpinMode with promiscMode, IPAM with disableContainerInterface, the
 * VLAN gateway's name, the MAC's form), so that a config ADD refused still deletes, as Go's DEL does: a runtime
 * must always be able to clean up.
 */
export function loadLax(req: Request): Result<BridgeConf, CniError> {
  return readConfig(req, false);
}

function readConfig(req: Request, strict: bool): Result<BridgeConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<BridgeConf>();
  const c = new BridgeConf(p.value);
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
  if (strict && c.hairpinMode && c.promiscMode) r.fail("hairpinMode", E_HAIRPIN_PROMISC);
  c.portIsolation = r.optBool("portIsolation");
  c.enableDad = r.optBool("enabledad");
  c.disableContainerInterface = r.optBool("disableContainerInterface");
  if (strict && c.disableContainerInterface && c.layer3) r.fail("disableContainerInterface", E_NO_IPAM_WITH);
  readVlans(c, r, strict);
  c.macSpoofChk = r.optBool("macspoofchk");
  c.mac = readMac(req, r, strict);
  const bad = c.net.check();
  return bad.isErr ? bad.pass<BridgeConf>() : ok<BridgeConf, CniError>(c);
}

/**
 * vlan, vlanTrunk and preserveDefaultVlan, checked as Go's loadNetConf and collectVlanTrunk
 * check them: vlan 0-4094; trunk ids 1-4094, minID and maxID together and in order. Both
 * together make a trunk port whose native (PVID) VLAN is `vlan`, as Go since v1.8.0.
 */
function readVlans(c: BridgeConf, r: ObjectReader, strict: bool): void {
  const vlan = r.optI64("vlan");
  if (vlan < 0 || vlan > VID_MAX) r.fail("vlan", E_VLAN_ID);
  else c.vlan = <u16>vlan;
  c.preserveDefaultVlan = r.optBool("preserveDefaultVlan", true);
  const trunk = r.optArray("vlanTrunk");
  c.vlanFiltering = c.vlan != 0 || trunk != null;
  // Go gives such a network a `<bridge>.<vlan>` veth of its own for the gateway: its name must be one.
  if (strict && c.vlan != 0 && c.isGateway && vlanGatewayName(c).length > 15) r.fail("vlan", E_VLAN_GATEWAY);
  if (trunk == null) return;
  const on = new StaticArray<bool>(<i32>VID_MAX + 1);
  for (let i = 0; i < trunk.length; i++) {
    const item = trunk.objectAt(i);
    if (item == null) continue;
    const hasMin = item.has("minID"), hasMax = item.has("maxID");
    if (hasMin && hasMax) {
      const lo = item.optI64("minID"), hi = item.optI64("maxID");
      if (lo <= 0 || lo > VID_MAX) item.fail("minID", E_TRUNK_MIN);
      else if (hi <= 0 || hi > VID_MAX) item.fail("maxID", E_TRUNK_MAX);
      else if (hi < lo) item.fail("minID", E_TRUNK_ORDER);
      else for (let v = <i32>lo; v <= <i32>hi; v++) on[v] = true;
    } else if (hasMax) item.fail("minID", E_TRUNK_NO_MIN);
    else if (hasMin) item.fail("maxID", E_TRUNK_NO_MAX);
    if (item.has("id")) {
      const id = item.optI64("id");
      if (id <= 0 || id > VID_MAX) item.fail("id", E_TRUNK_ID);
      else on[<i32>id] = true;
    }
  }
  for (let v = 1; v <= <i32>VID_MAX; v++) {
    if (!on[v]) continue;
    let last = v;
    while (last < <i32>VID_MAX && on[last + 1]) last++;
    c.vlanTrunk.push(new VlanRange(<u16>v, <u16>last));
    v = last;
  }
}

/** The requested MAC; later sources win, as in Go: CNI_ARGS MAC, args.cni.mac, runtimeConfig.mac. */
function readMac(req: Request, r: ObjectReader, strict: bool): string {
  let mac = "";
  for (let i = 0; i < req.args.length; i++) if (req.args[i].v0 == "MAC") mac = req.args[i].v1;
  const args = r.optObject("args");
  const cni = args != null ? args.optObject("cni") : null;
  if (cni != null) mac = orElse(cni.optString("mac"), mac);
  const rc = r.optObject("runtimeConfig");
  if (rc != null) mac = orElse(rc.optString("mac"), mac);
  if (strict && mac.length > 0 && !isMac(mac)) r.fail("mac", E_MAC); // only ADD uses it, as in Go
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
