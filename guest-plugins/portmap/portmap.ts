// portmap: forwards host ports to the container, as containernetworking/plugins'
// plugins/meta/portmap does with its nftables backend. Chained after a plugin that gives the
// container its addresses (prevResult); the mappings come from runtimeConfig.portMappings
// (the `portMappings` capability). The rules are typed (rules.ts) and the host keeps them in
// `inet wasm-cni-portmap`, tagged with the call's network, container and ifname, so DEL, CHECK
// and GC find exactly this attachment's.
// Capabilities: netns (with the host netns), firewall, route (to find the host-side link),
// sysctl (its route_localnet), log.
import {
  register, firewall, route, sysctl, log, Request, Result, Unit, CniError, CniResult, Done, NetnsId, Family, IP, IPNet,
  done, fail, ok, hostNetns, hostErrorToCni, isGone, internalError, invalidConfigError, parseNetConf,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";
import { PortMapConf, loadConfig, containerAddrs } from "./config";
import { portmapRules, describeRule, ruleKey } from "./rules";

/** Every rule of this attachment: the mappings of each of the container's addresses. */
function wantedRules(conf: PortMapConf, prev: CniResult, ifname: string): firewall.Rule[] {
  const addrs = containerAddrs(prev, ifname);
  const out: firewall.Rule[] = [];
  for (let i = 0; i < addrs.length; i++) {
    const a = addrs[i];
    if (a != null) {
      const rs = portmapRules(conf, a.ip);
      for (let j = 0; j < rs.length; j++) out.push(rs[j]);
    }
  }
  return out;
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const p = conf.net.parsePrevResult(); // code 7 without one (Go says 999, README "Differences")
  if (p.isErr) return p.pass<string>();
  const prev = p.value;
  const rules = wantedRules(conf, prev, req.ifname);
  if (rules.length == 0) return ok<string, CniError>(prev.toJson()); // nothing mapped, as Go
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<string>();
  const host = hns.value;
  if (conf.markMasqBit >= 0) log.write(log.Level.INFO, "markMasqBit " + conf.markMasqBit.toString() + " is not needed: hairpin and 127.0.0.1 connections are masqueraded by their DNAT state and addresses, with no mark");
  const a = firewall.apply(host, rules);
  if (a.isErr) return fail<string>(hostErrorToCni(a.error, "unable to set up the " + rules.length.toString() + " nftables rules of " + conf.mappings.length.toString() + " port mappings"));
  const v4 = containerAddrs(prev, req.ifname)[0];
  if (conf.snat && v4 != null) {
    const l = enableLocalnetRouting(host, v4.ip);
    if (l.isErr) return l.pass<string>();
  }
  return ok<string, CniError>(prev.toJson());
}

/**
 * Lets 127.0.0.1 connections DNATed to the container leave through the host-side link that
 * routes to it (Go's getRoutableHostIF and enableLocalnetRouting): route_localnet on that link
 * only, never on `all` (which would expose the node's 127.0.0.1 services to every neighbour,
 * CVE-2020-8558). The host allows it only on a host-side interface of prevResult that a
 * wasm-cni plugin made (the bridge, ptp's veth); on any other link (an operator's bridge, an
 * uplink) 127.0.0.1 is not mapped and a warning says why.
 * Equivalent to: `sysctl -w net.ipv4.conf.$(ip route get $ip | dev).route_localnet=1`
 */
function enableLocalnetRouting(host: NetnsId, ip: IP): Done {
  const l = route.list(host, Family.V4, false);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "unable to enable route_localnet: list the routes to " + ip.toString()));
  let dev = "", best = -1;
  for (let i = 0; i < l.value.length; i++) {
    const r = l.value[i];
    const dst = IPNet.parse(r.dst);
    const d = r.dev;
    if (dst != null && d != null && r.gw == null && dst.prefix > best && dst.contains(ip)) {
      dev = d;
      best = dst.prefix;
    }
  }
  if (dev.length == 0) {
    log.write(log.Level.WARN, "no host link routes to " + ip.toString() + ": route_localnet not set, 127.0.0.1:<hostPort> will not reach the container");
    return done();
  }
  const key = "net.ipv4.conf." + dev + ".route_localnet";
  const s = sysctl.set(host, key, "1");
  if (s.isErr && s.error.isDenied) {
    log.write(log.Level.WARN, "route_localnet not set on " + dev + ", so 127.0.0.1:<hostPort> will not reach the container: " + s.error.denied);
    return done();
  }
  return s.isErr ? fail<Unit>(hostErrorToCni(s.error, "unable to enable route_localnet: set " + key + "=1")) : done();
}

/**
 * Removes every rule of this attachment, whatever the mappings say now. Only the common keys
 * must read: a runtime can always clean up, even after a config change made ADD fail.
 */
function cmdDel(req: Request): Done {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const r = firewall.remove(hns.value);
  return r.isErr && !isGone(r.error) ? fail<Unit>(hostErrorToCni(r.error, "error deleting nftables rules of the port mappings")) : done();
}

/** Each rule ADD makes for prevResult and the mappings is there. */
function cmdCheck(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const p = c.value.net.parsePrevResult(); // code 7 without one (Go says 999, README "Differences")
  if (p.isErr) return p.pass<Unit>();
  const want = wantedRules(c.value, p.value, req.ifname);
  if (want.length == 0) return done();
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const have = firewall.rules(hns.value);
  if (have.isErr) return fail<Unit>(hostErrorToCni(have.error, "could not list the nftables rules of the port mappings"));
  const keys = new Set<string>();
  for (let i = 0; i < have.value.length; i++) keys.add(ruleKey(have.value[i].rule));
  for (let i = 0; i < want.length; i++) {
    if (!keys.has(ruleKey(want[i]))) return fail<Unit>(internalError("missing hostport rule: " + describeRule(want[i])));
  }
  return done();
}

/** The config's keys read (code 7 otherwise); portmap needs nothing else to serve ADD. */
function cmdStatus(req: Request): Done {
  const c = loadConfig(req);
  return c.isErr ? c.pass<Unit>() : done();
}

/** GC: the host removes this network's rules of attachments not in `cni.dev/valid-attachments`. */
function cmdGc(req: Request): Done {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const r = firewall.retain(hns.value);
  if (r.isErr && r.error.isInvalid) return fail<Unit>(invalidConfigError(r.error.invalid)); // the config lacks the list
  return r.isErr ? fail<Unit>(hostErrorToCni(r.error, "failed to remove the port mappings of stale attachments")) : done();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
