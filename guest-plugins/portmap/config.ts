// portmap's config: the keys of the Go plugin's PortMapConf (plugins/meta/portmap/main.go),
// `runtimeConfig.portMappings` (the `portMappings` capability), `snat`, `masqAll`, `backend`,
// `conditionsV4`/`conditionsV6`, `markMasqBit` and `externalSetMarkChain`. Every problem is
// reported at once (code 7, naming the field). Pure: no host calls, so the guest tests run it.
import { Request, CniError, NetConf, ObjectReader, Result, IP, IPNet, CniResult, firewall, parseNetConf, fail, ok } from "@wasm-cni/sdk";
import { Conditions, parseConditions } from "./conditions";

/** One entry of runtimeConfig.portMappings (CONVENTIONS.md). */
export class PortMapping {
  /** `hostIP` when given and not 0.0.0.0 or ::; null for every local address. */
  hostIP: IP | null = null;
  /** 4 or 6 when `hostIP` is given (0.0.0.0 included: it maps IPv4 only, as in Go); 0 for both. */
  hostFamily: i32 = 0;
  constructor(public hostPort: u16, public containerPort: u16, public protocol: firewall.Protocol) {}
}

export class PortMapConf {
  mappings: PortMapping[] = [];
  /** Masquerade hairpin and 127.0.0.1 traffic to the container (Go's default true). */
  snat: bool = true;
  /** Masquerade every DNATed connection to the container, whatever its source. */
  masqAll: bool = false;
  conditionsV4: Conditions = new Conditions();
  conditionsV6: Conditions = new Conditions();
  /** Go's markMasqBit when given (0-31), -1 when not: our nftables rules need no mark (README). */
  markMasqBit: i32 = -1;
  constructor(public net: NetConf) {}
}

/** Go's three protocols, any case ("TCP" as iptables takes it). */
function readProtocol(s: string): i32 {
  const p = s.toLowerCase();
  if (p == "tcp") return <i32>firewall.Protocol.TCP;
  if (p == "udp") return <i32>firewall.Protocol.UDP;
  if (p == "sctp") return <i32>firewall.Protocol.SCTP;
  return -1;
}

/** A port number 1-65535 from `key` of `m`; records a problem and returns 0 otherwise. */
function readPort(m: ObjectReader, key: string): u16 {
  const before = m.errors.list.length;
  const v = m.optI64(key, 0, true);
  if (m.errors.list.length == before && (v < 1 || v > 65535)) m.fail(key, "is " + v.toString() + ", not a port number (1-65535)");
  return v < 1 || v > 65535 ? 0 : <u16>v;
}

/**
 * The member of `m` that Go's encoding/json would read for field `name`: the exact key, else
 * the first that differs only in case. containerd sends `{"HostPort":8080,"ContainerPort":80,
 * "Protocol":"tcp","HostIP":""}`, podman `{"hostPort":...}`; Go's portmap takes both.
 */
function keyOf(m: ObjectReader, name: string): string {
  if (m.value.has(name)) return name;
  const lower = name.toLowerCase();
  for (let i = 0; i < m.value.length; i++) {
    const k = m.value.keyAt(i);
    if (k.toLowerCase() == lower) return k;
  }
  return name;
}

function readMapping(m: ObjectReader): PortMapping {
  const hostPort = readPort(m, keyOf(m, "hostPort"));
  const containerPort = readPort(m, keyOf(m, "containerPort"));
  const before = m.errors.list.length;
  const protoKey = keyOf(m, "protocol");
  const proto = m.string(protoKey);
  const p = readProtocol(proto);
  if (m.errors.list.length == before && p < 0) m.fail(protoKey, "is \"" + proto + "\", not one of tcp, udp, sctp");
  const e = new PortMapping(hostPort, containerPort, p < 0 ? firewall.Protocol.TCP : <firewall.Protocol>p);
  const hostKey = keyOf(m, "hostIP");
  const host = m.optString(hostKey);
  if (host.length > 0) {
    const ip = IP.parse(host);
    if (ip == null) {
      m.fail(hostKey, "is \"" + host + "\", not an IP address");
    } else {
      e.hostFamily = ip.is4 ? 4 : 6;
      if (!ip.isUnspecified()) e.hostIP = ip;
    }
  }
  return e;
}

export function loadConfig(req: Request): Result<PortMapConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<PortMapConf>();
  const c = new PortMapConf(p.value);
  const r = c.net.reader;
  const rc = r.optObject("runtimeConfig");
  const list = rc != null ? rc.optArray("portMappings") : null;
  if (list != null) {
    for (let i = 0; i < list.length; i++) {
      const m = list.objectAt(i);
      if (m != null) c.mappings.push(readMapping(m));
    }
  }
  c.snat = r.optBool("snat", true);
  c.masqAll = r.optBool("masqAll");
  readBackendOptions(c, r);
  const bad = c.net.check();
  return bad.isErr ? bad.pass<PortMapConf>() : ok<PortMapConf, CniError>(c);
}

/**
 * The options Go ties to a backend. Ours is always nftables: `backend` may say either (both
 * give the same rules, as bridge's ipMasqBackend); conditions in either syntax become typed
 * matches (conditions.ts); `markMasqBit` is checked as Go does but not needed (the hairpin
 * masquerade matches the DNATed connection itself, as Go's nftables backend does);
 * `externalSetMarkChain` names an iptables chain and has no nftables meaning: code 7.
 */
function readBackendOptions(c: PortMapConf, r: ObjectReader): void {
  const backend = r.optString("backend");
  if (r.has("backend") && backend != "iptables" && backend != "nftables") {
    r.fail("backend", "is \"" + backend + "\", not \"iptables\" or \"nftables\" (both mean wasm-cni's nftables rules)");
  }
  c.conditionsV4 = parseConditions(r, "conditionsV4", true, backend);
  c.conditionsV6 = parseConditions(r, "conditionsV6", false, backend);
  if (r.has("externalSetMarkChain")) {
    r.fail("externalSetMarkChain", "names an iptables chain that marks traffic for masquerading; wasm-cni's portmap uses nftables and masquerades hairpin and 127.0.0.1 connections by their addresses and DNAT state, with no mark: remove the option");
  }
  if (r.has("markMasqBit")) {
    const bit = r.optI64("markMasqBit");
    if (bit < 0 || bit > 31) r.fail("markMasqBit", "is " + bit.toString() + ", not between 0 and 31");
    else c.markMasqBit = <i32>bit;
    if (r.has("externalSetMarkChain")) r.fail("markMasqBit", "and externalSetMarkChain cannot both be given");
  }
}

/**
 * The container's first IPv4 and first IPv6 address in prevResult, as Go's parseConfig picks
 * them: addresses of another interface (by name) or of a host-side one (no sandbox) are skipped.
 * Index 0 is IPv4, 1 IPv6; null where there is none.
 */
export function containerAddrs(prev: CniResult, ifname: string): Array<IPNet | null> {
  const out = new Array<IPNet | null>(2);
  for (let i = 0; i < prev.ips.length; i++) {
    const ip = prev.ips[i];
    const slot = ip.address.is4 ? 0 : 1;
    if (out[slot] != null) continue;
    const k = ip.interfaceIndex;
    if (k >= 0 && k < prev.interfaces.length && (prev.interfaces[k].name != ifname || prev.interfaces[k].sandbox.length == 0)) continue;
    out[slot] = ip.address;
  }
  return out;
}
