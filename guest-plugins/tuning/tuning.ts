// tuning: changes net.* sysctls and attributes of CNI_IFNAME (MAC, MTU, promiscuous and
// all-multicast mode, transmit queue length) in the container's netns, as
// containernetworking/plugins' plugins/meta/tuning does, and passes its prevResult on. DEL puts
// back what ADD changed, from the values ADD kept in the plugin's store bucket (backup.ts);
// CHECK compares the live values with the config. It creates nothing.
// Capabilities: netns (the container's only), link, sysctl (the keys its config names), store, log.
import {
  register, link, sysctl, log, netns, Request, Result, Unit, CniError, CniResult, NetnsId, Done, done, fail, ok, some,
  CURRENT_VERSION, containerNetns, hostErrorToCni, internalError, isGone, checkKnownArgs, readValidAttachments, hasAttachment,
  invalidConfigError, parseNetConf, store,
} from "@wasm-cni/sdk";
import { TuningConf, loadConfig } from "./config";
import { Backup, SysctlBackup, attachmentOf, backupKey, openBucket, readBackup, removeBackup, writeBackup } from "./backup";
export * from "@wasm-cni/sdk/exports";

/** The CNI_ARGS key tuning reads; ADD and CHECK refuse others without IgnoreUnknown, as Go. */
const KNOWN_ARGS = ["MAC"];

/** Config, CNI_ARGS and prevResult, as ADD and CHECK need them. */
function loadWithPrev(req: Request): Result<TuningConf, CniError> {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a.pass<TuningConf>();
  return loadConfig(req);
}

function cmdAdd(req: Request): Result<string, CniError> {
  const c = loadWithPrev(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const prev = conf.net.parsePrevResult();
  if (prev.isErr) return prev.pass<string>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<string>();
  const ns = cns.value;
  const b = backupOf(ns, req.ifname, conf);
  if (b.isErr) return b.pass<string>();
  const kept = keep(req, b.value);
  if (kept.isErr) return kept.pass<string>();
  // Changes in Go's order: sysctls, then the link; a failure later has the host put all back.
  for (let i = 0; i < conf.sysctl.length; i++) {
    const s = conf.sysctl[i];
    const w = sysctl.set(ns, s.v0, s.v1);
    if (w.isErr) return fail<string>(hostErrorToCni(w.error, "tuning: write /proc/sys/" + s.v0 + " = " + s.v1));
  }
  if (conf.changesLink) {
    const r = link.set(ns, req.ifname, changeOf(conf));
    if (r.isErr) return fail<string>(hostErrorToCni(r.error, "tuning: change " + req.ifname));
  }
  const result = prev.value;
  result.cniVersion = CURRENT_VERSION;
  if (conf.mac.length > 0) setResultMac(result, req.ifname, conf.mac);
  return ok<string, CniError>(result.toJson());
}

/** The values ADD is about to change, as it finds them. */
function backupOf(ns: NetnsId, ifname: string, conf: TuningConf): Result<Backup, CniError> {
  const b = new Backup();
  for (let i = 0; i < conf.sysctl.length; i++) {
    const s = conf.sysctl[i];
    const g = sysctl.get(ns, s.v0);
    if (g.isErr) return fail<Backup>(hostErrorToCni(g.error, "tuning: read /proc/sys/" + s.v0));
    b.sysctl.push(new SysctlBackup(s.v0, g.value, s.v1));
  }
  if (!conf.changesLink) return ok<Backup, CniError>(b);
  const l = link.get(ns, ifname);
  if (l.isErr) return fail<Backup>(hostErrorToCni(l.error, "tuning: failed to get " + ifname));
  const now = l.value;
  if (conf.mac.length > 0) b.mac = now.mac;
  if (conf.mtu > 0) b.mtu = now.mtu;
  if (conf.promisc) b.promisc = now.promisc ? 1 : 0;
  if (conf.allmulti >= 0) b.allmulti = now.allmulti ? 1 : 0;
  if (conf.txQLen >= 0) b.txqlen = now.txqlen;
  return ok<Backup, CniError>(b);
}

/** Keeps the record for DEL; a record already there (a repeated ADD) holds the first values and stays. */
function keep(req: Request, b: Backup): Done {
  if (!b.changesLink && b.sysctl.length == 0) return done();
  const bucket = openBucket();
  if (bucket.isErr) return bucket.pass<Unit>();
  const key = backupKey(req.containerId, req.ifname);
  const had = readBackup(bucket.value, key);
  if (had.isErr) return had.pass<Unit>();
  if (had.value != null) return done();
  return writeBackup(bucket.value, key, b);
}

function changeOf(conf: TuningConf): link.LinkChange {
  const ch = new link.LinkChange();
  if (conf.mac.length > 0) ch.mac = conf.mac;
  if (conf.mtu > 0) ch.mtu = some<u32>(conf.mtu);
  if (conf.promisc) ch.promisc = some<bool>(true);
  if (conf.allmulti >= 0) ch.allmulti = some<bool>(conf.allmulti == 1);
  if (conf.txQLen >= 0) ch.txqlen = some<u32>(<u32>conf.txQLen);
  return ch;
}

/** The prevResult's interface `ifname` gets the new MAC, as Go's updateResultsMacAddr. */
function setResultMac(result: CniResult, ifname: string, mac: string): void {
  for (let i = 0; i < result.interfaces.length; i++) if (result.interfaces[i].name == ifname) result.interfaces[i].mac = mac;
}

/**
 * Puts back what ADD changed, from its record; reads nothing of the config, so that a config
 * ADD refused (or one changed since) still deletes. A sysctl is put back only while it still
 * holds the value ADD wrote (a later change by someone else stays). What cannot be put back
 * (the link gone, the kernel refusing) is logged and DEL still succeeds, as Go's DEL.
 */
function cmdDel(req: Request): Result<Unit, CniError> {
  const bucket = openBucket();
  if (bucket.isErr) return bucket.pass<Unit>();
  const key = backupKey(req.containerId, req.ifname);
  const had = readBackup(bucket.value, key);
  if (had.isErr) return had.pass<Unit>();
  if (had.value != null && req.netns.length > 0) {
    const cns = netns.container();
    if (cns.isErr && !isGone(cns.error)) return fail<Unit>(hostErrorToCni(cns.error, "tuning: open the container netns " + req.netns));
    if (cns.isOk) restore(cns.value, req.ifname, had.value!);
  }
  return removeBackup(bucket.value, key);
}

function restore(ns: NetnsId, ifname: string, b: Backup): void {
  if (b.changesLink) {
    const r = link.set(ns, ifname, b.linkChange());
    if (r.isErr && !isGone(r.error)) warn(hostErrorToCni(r.error, "tuning: put back the attributes of " + ifname));
  }
  for (let i = b.sysctl.length - 1; i >= 0; i--) {
    const s = b.sysctl[i];
    const now = sysctl.get(ns, s.path);
    if (now.isErr) {
      if (!isGone(now.error)) warn(hostErrorToCni(now.error, "tuning: read /proc/sys/" + s.path));
      continue;
    }
    if (now.value != s.set || s.old == s.set) continue;
    const w = sysctl.set(ns, s.path, s.old);
    if (w.isErr) warn(hostErrorToCni(w.error, "tuning: put back /proc/sys/" + s.path + " = " + s.old));
  }
}

function warn(e: CniError): void {
  log.write(log.Level.WARN, e.msg);
}

/** The configured values still hold: sysctls, MAC, promiscuous mode (on or off), MTU, all-multicast, txQLen. */
function cmdCheck(req: Request): Result<Unit, CniError> {
  const c = loadWithPrev(req);
  if (c.isErr) return c.pass<Unit>();
  const conf = c.value;
  const prev = conf.net.parsePrevResult();
  if (prev.isErr) return prev.pass<Unit>();
  const cns = containerNetns(req);
  if (cns.isErr) return cns.pass<Unit>();
  const ns = cns.value;
  for (let i = 0; i < conf.sysctl.length; i++) {
    const s = conf.sysctl[i];
    const g = sysctl.get(ns, s.v0);
    if (g.isErr) return fail<Unit>(hostErrorToCni(g.error, "tuning: read /proc/sys/" + s.v0));
    if (g.value != s.v1) {
      return fail<Unit>(internalError("Error: Tuning configured value of /proc/sys/" + s.v0 + " is " + s.v1 + ", current value is " + g.value));
    }
  }
  const l = link.get(ns, req.ifname);
  if (l.isErr) return fail<Unit>(hostErrorToCni(l.error, "Cannot find container link " + req.ifname));
  return checkLink(req.ifname, conf, l.value);
}

function checkLink(ifname: string, conf: TuningConf, now: link.LinkInfo): Done {
  if (conf.mac.length > 0 && now.mac != conf.mac) {
    return fail<Unit>(internalError("Error: Tuning configured Ethernet of " + ifname + " is " + conf.mac + ", current value is " + now.mac));
  }
  if (now.promisc != conf.promisc) {
    return fail<Unit>(internalError("Error: Tuning link " + ifname + " configured promisc is " + (conf.promisc ? "true" : "false") + ", current value is " + (now.promisc ? "1" : "0")));
  }
  if (conf.mtu > 0 && now.mtu != conf.mtu) {
    return fail<Unit>(internalError("Error: Tuning configured MTU of " + ifname + " is " + conf.mtu.toString() + ", current value is " + now.mtu.toString()));
  }
  if (conf.allmulti >= 0 && now.allmulti != (conf.allmulti == 1)) {
    return fail<Unit>(internalError("Error: Tuning configured all-multicast mode of " + ifname + " is " + (conf.allmulti == 1 ? "true" : "false") + ", current value is " + (now.allmulti ? "true" : "false")));
  }
  if (conf.txQLen >= 0 && <i64>now.txqlen != conf.txQLen) {
    return fail<Unit>(internalError("Error: Tuning configured Transmit Queue Length of " + ifname + " is " + conf.txQLen.toString() + ", current value is " + now.txqlen.toString()));
  }
  return done();
}

/** Nothing to wait for: tuning is ready whenever the runtime is. */
function cmdStatus(req: Request): Result<Unit, CniError> {
  const p = parseNetConf(req.config);
  return p.isOk ? done() : fail<Unit>(p.error!);
}

/** Drops the records of attachments not in `cni.dev/valid-attachments` (their containers are gone). */
function cmdGc(req: Request): Result<Unit, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<Unit>();
  const valid = readValidAttachments(p.value.reader);
  if (valid == null) return fail<Unit>(invalidConfigError(p.value.reader.errors.toString()));
  const bucket = openBucket();
  if (bucket.isErr) return bucket.pass<Unit>();
  const all = store.entries(bucket.value);
  if (all.isErr) return fail<Unit>(hostErrorToCni(all.error, "tuning: read the store"));
  for (let i = 0; i < all.value.length; i++) {
    const a = attachmentOf(all.value[i].v0);
    if (a == null || hasAttachment(valid!, a.v0, a.v1)) continue;
    const r = removeBackup(bucket.value, all.value[i].v0);
    if (r.isErr) return r;
  }
  return done();
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
