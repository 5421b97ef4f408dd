// firewall: lets the container's addresses through the node's forward path, as
// containernetworking/plugins' plugins/meta/firewall does, chained after bridge or ptp. Its
// rules are typed rules the host compiles to nftables in the plugin's own table
// (inet wasm-cni-firewall, chain forward), tagged with the attachment: for each address of
// the container (from prevResult), established and related traffic to it and everything
// from it is accepted. ingressPolicy same-bridge also drops new traffic into the container's
// bridge from another interface. Every `backend` of the reference means nftables here.
// Capabilities: netns (host), firewall, log.
import {
  register, log, Request, Result, ok, Unit, CniError, CniResult, NetConf, NetnsId, Done, done, fail, firewall, Family,
  parseNetConf, hostNetns, hostErrorToCni, internalError, invalidConfigError, gcFirewall, teardownFirewall, IPNet,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";

class FirewallConf {
  sameBridge: bool = false;
  constructor(public net: NetConf) {}
}

/** The reference's keys; unknown backend or ingressPolicy values are code 7. */
function loadConfig(req: Request): Result<FirewallConf, CniError> {
  const p = parseNetConf(req.config);
  if (!p.ok) return fail<FirewallConf>(p.error!);
  const c = new FirewallConf(p.conf!);
  const r = c.net.reader;
  // iptables and firewalld are the reference's backends, nftables ours and upstream's newest:
  // all three give the same nftables rules (README).
  const backend = r.optString("backend");
  if (backend != "" && backend != "iptables" && backend != "firewalld" && backend != "nftables") {
    r.fail("backend", "must be \"iptables\", \"firewalld\" or \"nftables\" (all mean nftables here), not \"" + backend + "\"");
  }
  const policy = r.optString("ingressPolicy");
  if (policy != "" && policy != "open" && policy != "same-bridge") {
    r.fail("ingressPolicy", "must be \"open\" or \"same-bridge\", not \"" + policy + "\"");
  }
  c.sameBridge = policy == "same-bridge";
  // The reference's iptables and firewalld knobs: read (a wrong type is code 7), no meaning
  // here, and said so in the log rather than ignored (README).
  if (r.optString("iptablesAdminChainName") != "") {
    log.write(log.Level.WARN, "firewall: iptablesAdminChainName has no meaning with nftables: a drop in any table of the node's already wins over these accepts");
  }
  if (r.optString("firewalldZone") != "") log.write(log.Level.WARN, "firewall: firewalldZone has no meaning: the rules are nftables rules, not a firewalld zone");
  const bad = c.net.check();
  return bad != null ? fail<FirewallConf>(bad) : ok<FirewallConf, CniError>(c);
}

/** The prevResult's addresses of the container interface CNI_IFNAME (or of no interface), as the host reads them. */
function containerAddrs(req: Request, prev: CniResult): IPNet[] {
  const out = new Array<IPNet>();
  for (let i = 0; i < prev.ips.length; i++) {
    const ip = prev.ips[i];
    const k = ip.interfaceIndex;
    if (k >= 0 && k < prev.interfaces.length && (prev.interfaces[k].name != req.ifname || prev.interfaces[k].sandbox == "")) continue;
    out.push(IPNet.host(ip.address.ip));
  }
  return out;
}

function addrMatch(daddr: bool, a: IPNet): firewall.Match {
  const m = new firewall.CidrMatch();
  m.cidr = a.toString();
  return daddr ? firewall.Match.daddr(m) : firewall.Match.saddr(m);
}

function nameMatch(iif: bool, name: string, negate: bool): firewall.Match {
  const m = new firewall.NameMatch();
  m.name = name;
  m.negate = negate;
  return iif ? firewall.Match.iifname(m) : firewall.Match.oifname(m);
}

function forward(a: IPNet, matches: Array<firewall.Match>, verdict: firewall.Verdict): firewall.Rule {
  const r = new firewall.Rule();
  r.chain = firewall.Chain.FILTER_FORWARD;
  r.family = a.ip.is4 ? Family.V4 : Family.V6;
  r.matches = matches;
  r.verdict = verdict;
  return r;
}

/**
 * The rules of each address, in order. Equivalent to (per address $ip):
 *   ip daddr $ip ct state established,related accept
 *   [same-bridge] ip daddr $ip iifname != $br oifname $br ct state new drop   (at the chain's head)
 *   ip saddr $ip accept
 */
function wantedRules(conf: FirewallConf, addrs: IPNet[], bridge: string): Array<firewall.Rule> {
  const out = new Array<firewall.Rule>();
  for (let i = 0; i < addrs.length; i++) {
    const a = addrs[i];
    out.push(forward(a, [addrMatch(true, a), firewall.Match.ctState(firewall.CT_STATES_ESTABLISHED | firewall.CT_STATES_RELATED)], firewall.Verdict.accept()));
    if (conf.sameBridge) {
      // A drop goes before every accept of the chain (the host puts it at the head): new connections only.
      const isolate = [addrMatch(true, a), nameMatch(true, bridge, true), nameMatch(false, bridge, false), firewall.Match.ctState(firewall.CT_STATES_NEW)];
      out.push(forward(a, isolate, firewall.Verdict.drop()));
    }
    out.push(forward(a, [addrMatch(false, a)], firewall.Verdict.accept()));
  }
  return out;
}

/** The container's bridge: the prevResult's first interface, as the reference takes it (bridge lists it first). */
function bridgeName(conf: FirewallConf, prev: CniResult): Result<string, CniError> {
  if (!conf.sameBridge) return ok<string, CniError>("");
  if (prev.interfaces.length == 0 || prev.interfaces[0].name == "" || prev.interfaces[0].sandbox != "") {
    return fail<string>(invalidConfigError("ingressPolicy \"same-bridge\" needs the bridge as the prevResult's first interface: chain firewall after bridge"));
  }
  return ok<string, CniError>(prev.interfaces[0].name);
}

/** What ADD and CHECK share: the prevResult, the rules it calls for and the host netns. */
class Plan {
  constructor(public prev: CniResult, public rules: Array<firewall.Rule>, public host: NetnsId) {}
}

function plan(req: Request, conf: FirewallConf): Result<Plan, CniError> {
  const p = conf.net.parsePrevResult();
  if (!p.ok) return fail<Plan>(p.error!);
  const prev = p.result!;
  const br = bridgeName(conf, prev);
  if (br.isErr) return br.pass<Plan>();
  const h = hostNetns();
  if (h.isErr) return fail<Plan>(h.error);
  return ok<Plan, CniError>(new Plan(prev, wantedRules(conf, containerAddrs(req, prev), br.value), h.value));
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const pl = plan(req, c.value);
  if (pl.isErr) return pl.pass<string>();
  const p = pl.value;
  if (p.rules.length > 0) {
    const r = firewall.apply(p.host, p.rules);
    if (r.isErr) return fail<string>(hostErrorToCni(r.error, "failed to add the firewall rules"));
  }
  return ok<string, CniError>(p.prev.toJson()); // a chained plugin passes the prevResult on
}

/** DEL: every rule of this attachment; none there (or no prevResult) is success, as in the reference. */
function cmdDel(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const h = hostNetns();
  if (h.isErr) return fail<Unit>(h.error);
  const e = teardownFirewall(h.value);
  return e != null ? fail<Unit>(e) : done();
}

/** A rule as text, for CHECK's comparison with what the host reads back from the kernel. */
function ruleKey(r: firewall.Rule): string {
  let s = r.chain.toString() + " " + r.family.toString() + " " + r.verdict.tag.toString();
  for (let i = 0; i < r.matches.length; i++) {
    const m = r.matches[i];
    s += " " + m.tag.toString();
    if (m.isSaddr) s += "=" + m.saddr.cidr + (m.saddr.negate ? "!" : "");
    else if (m.isDaddr) s += "=" + m.daddr.cidr + (m.daddr.negate ? "!" : "");
    else if (m.isIifname) s += "=" + m.iifname.name + (m.iifname.negate ? "!" : "");
    else if (m.isOifname) s += "=" + m.oifname.name + (m.oifname.negate ? "!" : "");
    else if (m.isCtState) s += "=" + m.ctState.toString();
  }
  return s;
}

/** CHECK: every rule ADD makes for the prevResult's addresses is in the kernel. */
function cmdCheck(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const pl = plan(req, c.value);
  if (pl.isErr) return pl.pass<Unit>();
  const p = pl.value;
  const got = firewall.rules(p.host);
  if (got.isErr) return fail<Unit>(hostErrorToCni(got.error, "failed to read the firewall rules"));
  const have = new Set<string>();
  for (let i = 0; i < got.value.length; i++) have.add(ruleKey(got.value[i].rule));
  for (let i = 0; i < p.rules.length; i++) {
    const k = ruleKey(p.rules[i]);
    if (!have.has(k)) return fail<Unit>(internalError("firewall: a rule of this container is missing: " + k));
  }
  return done();
}

function cmdStatus(req: Request): Done {
  const c = loadConfig(req);
  return c.isErr ? c.pass<Unit>() : done();
}

/** GC: the host removes the rules of attachments not in cni.dev/valid-attachments. */
function cmdGc(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const e = gcFirewall();
  return e != null ? fail<Unit>(e) : done();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
