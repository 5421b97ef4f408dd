// bandwidth: shapes a container's traffic on the host end of its veth, as
// containernetworking/plugins' plugins/meta/bandwidth does, chained after bridge or ptp. Traffic
// to the container (ingress) goes through a tbf at the root of the host veth; traffic from it
// (egress) arrives on the host veth, where an ingress qdisc and a u32 filter with a mirred
// action redirect it to an ifb of its own, whose root tbf shapes it. DEL deletes the ifb and the
// host veth's qdiscs; CHECK compares them with the config.
// Capabilities: netns (with the host netns), link (ifb only), qdisc, log.
import {
  register, netns, link, qdisc, log, Request, Result, Unit, CniError, CniResult, NetnsId, HostError, Done, done, fail, ok, some,
  parseNetConf, containerNetns, hostNetns, hostErrorToCni, internalError, invalidConfigError, isGone, CURRENT_VERSION,
} from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports";
import { BandwidthConf, Shaping, ifbName, loadConfig } from "./config";

/** Go's latencyInMillis: how long a packet may wait in a tbf. */
const LATENCY_US: u32 = 25000;
/** The tbf's handle (1:) and the redirect filter's priority, as Go's. */
const TBF_HANDLE: u16 = 1;
const FILTER_PRIORITY: u16 = 1;

function tbf(s: Shaping): qdisc.QdiscKind {
  const t = new qdisc.TbfAttrs();
  t.handle = TBF_HANDLE;
  t.rate = s.rateBytes;
  t.burst = s.burstBytes;
  t.queue = qdisc.TbfQueue.latencyUs(LATENCY_US);
  return qdisc.QdiscKind.tbf(t);
}

/** A host error as a CNI error: a value the kernel cannot take (invalid) is the config's fault, code 7. */
function toCni(e: HostError, context: string): CniError {
  return e.isInvalid ? invalidConfigError(context + ": " + e.invalid) : hostErrorToCni(e, context);
}

/**
 * The host end of the container's veth, as Go's getHostInterface: the peer of CNI_IFNAME in the
 * host netns, and it must be one of prevResult's interfaces without a sandbox.
 */
function hostInterface(req: Request, prev: CniResult, cns: NetnsId, hns: NetnsId): Result<link.LinkInfo, CniError> {
  if (prev.interfaces.length == 0) return fail<link.LinkInfo>(invalidConfigError("prevResult has no interfaces"));
  const c = link.get(cns, req.ifname);
  if (c.isErr) return fail<link.LinkInfo>(hostErrorToCni(c.error, "container interface " + req.ifname + " has no veth peer"));
  const peer = c.value.peerIndex;
  if (c.value.kind != "veth" || peer == 0) return fail<link.LinkInfo>(internalError("container interface " + req.ifname + " has no veth peer"));
  const all = link.list(hns);
  if (all.isErr) return fail<link.LinkInfo>(hostErrorToCni(all.error, "list host links"));
  for (let i = 0; i < all.value.length; i++) {
    const l = all.value[i];
    if (l.index != peer) continue;
    for (let j = 0; j < prev.interfaces.length; j++) {
      const it = prev.interfaces[j];
      if (it.sandbox.length == 0 && it.name == l.name) return ok<link.LinkInfo, CniError>(l);
    }
    return fail<link.LinkInfo>(internalError("no veth peer of container interface " + req.ifname + " found in host ns: " + l.name + " is not in prevResult's interfaces"));
  }
  return fail<link.LinkInfo>(internalError("veth peer with index " + peer.toString() + " is not in host ns"));
}

/** The ifb, up, with the host veth's MTU. Equivalent to: `ip link add $ifb mtu $mtu type ifb; ip link set $ifb up` */
function createIfb(hns: NetnsId, name: string, mtu: u32): Result<link.LinkInfo, CniError> {
  const spec = new link.LinkSpec();
  spec.name = name;
  spec.mtu = some<u32>(mtu);
  spec.kind = link.LinkKind.ifb();
  const made = link.create(hns, spec);
  if (made.isErr) return fail<link.LinkInfo>(hostErrorToCni(made.error, "adding link " + name));
  const up = new link.LinkChange();
  up.up = some<bool>(true);
  const set = link.set(hns, name, up);
  if (set.isErr) return fail<link.LinkInfo>(hostErrorToCni(set.error, "set " + name + " up"));
  return ok<link.LinkInfo, CniError>(set.value);
}

/**
 * Egress: the host veth's arriving traffic (what the container sends) redirected to the ifb,
 * whose tbf shapes it. Equivalent to: `tc qdisc add dev $veth ingress; tc filter add dev $veth
 * ingress protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev $ifb;
 * tc qdisc add dev $ifb root handle 1: tbf rate ... burst ... latency 25ms`
 */
function shapeEgress(hns: NetnsId, veth: string, ifb: string, s: Shaping): Done {
  const ing = qdisc.add(hns, veth, qdisc.QdiscKind.ingress());
  if (ing.isErr) return fail<Unit>(hostErrorToCni(ing.error, "create ingress qdisc on " + veth));
  const r = new qdisc.Redirect();
  r.to = ifb;
  r.priority = FILTER_PRIORITY;
  const f = qdisc.addRedirect(hns, veth, r);
  if (f.isErr) return fail<Unit>(hostErrorToCni(f.error, "add filter redirecting " + veth + " to " + ifb));
  const t = qdisc.add(hns, ifb, tbf(s));
  if (t.isErr) return fail<Unit>(toCni(t.error, "create ifb qdisc on " + ifb));
  return done();
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const prev = conf.net.parsePrevResult();
  // No shaping asked for: the previous result as it is (Go prints it without a check).
  if (conf.isZero) return prev.isOk ? ok<string, CniError>(current(prev.value).toJson()) : ok<string, CniError>("{\"cniVersion\":\"" + CURRENT_VERSION + "\"}");
  if (prev.isErr) return prev.pass<string>();
  const result = current(prev.value);
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<string>();
  const veth = hostInterface(req, result, cns.value, hns.value);
  if (veth.isErr) return veth.pass<string>();
  const hostVeth = veth.value.name;
  if (conf.ingress.isSet) {
    // Equivalent to: `tc qdisc add dev $veth root handle 1: tbf rate ... burst ... latency 25ms`
    const t = qdisc.add(hns.value, hostVeth, tbf(conf.ingress));
    if (t.isErr) return fail<string>(toCni(t.error, "create qdisc on " + hostVeth));
  }
  if (conf.egress.isSet) {
    const name = ifbName(conf.net.name, req.containerId);
    const ifb = createIfb(hns.value, name, veth.value.mtu);
    if (ifb.isErr) return ifb.pass<string>();
    result.addInterface(name, ifb.value.mac);
    const e = shapeEgress(hns.value, hostVeth, name, conf.egress);
    if (e.isErr) return e.pass<string>();
  }
  return ok<string, CniError>(result.toJson());
}

function current(r: CniResult): CniResult {
  r.cniVersion = CURRENT_VERSION;
  return r;
}

/**
 * DEL: the ifb (its tbf goes with it), then the host veth's root tbf and ingress qdisc when the
 * container and its veth are still there. Go deletes only the ifb and leaves the veth to
 * bridge's DEL. Needs no valid rates: a runtime must always be able to clean up.
 */
function cmdDel(req: Request): Result<Unit, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  const net = p.value;
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const ifb = ifbName(net.name, req.containerId);
  const gone = link.del(hns.value, ifb);
  if (gone.isErr && gone.error.isDenied) {
    // Not made by us (no owner mark: Go's plugin made it before a switch to ours, or another
    // plugin): not ours to delete, and a DEL that fails forever is worse than a stale ifb.
    log.write(log.Level.WARN, "ifb " + ifb + " is left in place: " + gone.error.denied);
  } else if (gone.isErr && !isGone(gone.error)) return fail<Unit>(hostErrorToCni(gone.error, "delete ifb " + ifb));
  const prev = net.parsePrevResult();
  if (prev.isErr || req.netns.length == 0) return done();
  const cns = netns.container();
  if (cns.isErr) return done(); // the container's netns is gone: its veth and their qdiscs too
  const veth = hostInterface(req, prev.value, cns.value, hns.value);
  if (veth.isErr) return done(); // the container's veth is gone: so are its qdiscs
  return unshapeVeth(hns.value, veth.value.name);
}

/** The host veth's tbf (handle 1:) and ingress qdisc, if they are there; what else is there stays. */
function unshapeVeth(hns: NetnsId, veth: string): Done {
  const l = qdisc.list(hns, veth);
  if (l.isErr) return isGone(l.error) ? done() : fail<Unit>(hostErrorToCni(l.error, "list qdiscs of " + veth));
  for (let i = 0; i < l.value.length; i++) {
    const q = l.value[i];
    let place: qdisc.QdiscPlace;
    if (q.kind == "tbf" && q.handle == (<u32>TBF_HANDLE << 16) && q.parent == 0xffffffff) place = qdisc.QdiscPlace.ROOT;
    else if (q.kind == "ingress") place = qdisc.QdiscPlace.INGRESS;
    else continue;
    const d = qdisc.del(hns, veth, place);
    if (d.isErr && !isGone(d.error)) return fail<Unit>(hostErrorToCni(d.error, "delete " + q.kind + " qdisc of " + veth));
  }
  return done();
}

/** Go's tbf check: rate, and the limit (rate × 25 ms + burst, which fixes the burst too). */
function checkTbf(hns: NetnsId, dev: string, s: Shaping): Done {
  const l = qdisc.list(hns, dev);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "list qdiscs of " + dev));
  for (let i = 0; i < l.value.length; i++) {
    const q = l.value[i];
    if (q.parent != 0xffffffff) continue;
    const t = q.tbf;
    if (t == null) return fail<Unit>(internalError("Failed to find qdisc: the root qdisc of " + dev + " is " + q.kind + ", not tbf"));
    if (t.rate != s.rateBytes) return fail<Unit>(internalError("Rate doesn't match: " + dev + " has " + t.rate.toString() + " bytes/s, the config " + s.rateBytes.toString()));
    const limit = s.rateBytes * <u64>LATENCY_US / 1000000 + <u64>s.burstBytes;
    if (<u64>t.limit != limit) return fail<Unit>(internalError("Limit doesn't match: " + dev + " has " + t.limit.toString() + " bytes, the config makes " + limit.toString()));
    return done();
  }
  return fail<Unit>(internalError("Failed to find qdisc on " + dev));
}

function cmdCheck(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  const prev = conf.net.parsePrevResult();
  if (prev.isErr) return prev.pass<Unit>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<Unit>();
  const hns = hostNetns();
  if (hns.isErr) return hns.pass<Unit>();
  const veth = hostInterface(req, prev.value, cns.value, hns.value);
  if (veth.isErr) return veth.pass<Unit>();
  if (conf.isZero) return done();
  if (conf.ingress.isSet) {
    const e = checkTbf(hns.value, veth.value.name, conf.ingress);
    if (e.isErr) return e;
  }
  if (conf.egress.isSet) {
    const ifb = ifbName(conf.net.name, req.containerId);
    const g = link.get(hns.value, ifb);
    if (g.isErr) return fail<Unit>(hostErrorToCni(g.error, "get ifb device"));
    const e = checkTbf(hns.value, ifb, conf.egress);
    if (e.isErr) return e;
    // Stricter than Go: the redirect that feeds the ifb is there too.
    const r = qdisc.redirects(hns.value, veth.value.name);
    if (r.isErr) return fail<Unit>(hostErrorToCni(r.error, "list filters of " + veth.value.name));
    let found = false;
    for (let i = 0; i < r.value.length; i++) if (r.value[i].to == ifb && !r.value[i].mirror) found = true;
    if (!found) return fail<Unit>(internalError("no filter redirects " + veth.value.name + " to " + ifb));
  }
  return done();
}

// STATUS: nothing to wait for. GC: Go has none (an ifb's name is a hash: another network's cannot be told apart).
function cmdStatus(req: Request): Result<Unit, CniError> { return done(); }
function cmdGc(req: Request): Result<Unit, CniError> { return done(); }

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
