// host-local: IPAM that hands out one address per range set from ranges kept on this host,
// as containernetworking/plugins' plugins/ipam/host-local does. State lives in the host's
// `store` capability (host-local's file layout) under the bucket's lock, so concurrent calls
// on one network allocate one after the other. The only capabilities: store, log, dns (the
// host reads `resolvConf` for it).
import {
  register, log, dns, Request, Result, Unit, CniError, CniResult, Dns, IP, Done, done, fail, ok, internalError,
  invalidConfigError, notAvailableError, wrapCniError, readValidAttachments, Attachment, hostErrorToCni, newCniError, CniErrorCode, checkKnownArgs,
} from "@wasm-cni/sdk";
import { IpamConfig, loadConfig } from "./config";
import { Allocator } from "./allocator";
import { BucketStore } from "./bucket-store";
import { Owner, Reservations } from "./reservations";
export * from "@wasm-cni/sdk/exports";

/** A key that is never an address: written and removed by STATUS to prove the store writable. */
const PROBE_KEY = "status.probe";

/** The CNI_ARGS keys host-local reads; ADD and CHECK refuse others without IgnoreUnknown, as Go. DEL does not: it must always clean up. */
const KNOWN_ARGS = ["IP"];

function cmdAdd(req: Request): Result<string, CniError> {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a.pass<string>();
  const c = loadConfig(req);
  if (c.isErr) return c.pass<string>();
  const conf = c.value;
  const result = new CniResult();
  // Before anything is reserved, as Go: a missing file leaves no reservation behind.
  if (conf.resolvConf.length > 0) {
    const d = dns.readResolvConf(conf.resolvConf);
    if (d.isErr) return fail<string>(hostErrorToCni(d.error, "failed to read resolvConf"));
    result.dns = dnsOf(d.value);
  }
  const res = openReservations(conf);
  if (res.isErr) return res.pass<string>();
  const owner = new Owner(req.containerId, req.ifname);
  const requested = conf.requested.slice(0);
  const allocs = allocatorsOf(conf, res.value);
  for (let i = 0; i < allocs.length; i++) {
    const a = allocs[i];
    const got = a.get(owner, takeRequested(a, requested));
    if (got.isErr) {
      releaseAll(res.value, result);
      return fail<string>(wrapCniError(got.error, "failed to allocate for range " + i.toString()));
    }
    result.ips.push(got.value);
  }
  if (requested.length > 0) {
    releaseAll(res.value, result);
    let left = "";
    for (let i = 0; i < requested.length; i++) left += " " + requested[i].toString();
    return fail<string>(internalError("failed to allocate all requested IPs:" + left));
  }
  result.routes = conf.routes;
  return ok<string, CniError>(result.toJson());
}

function dnsOf(s: dns.DnsSettings): Dns {
  const d = new Dns();
  d.nameservers = s.nameservers;
  d.domain = s.domain;
  d.search = s.search;
  d.options = s.options;
  return d;
}

function cmdDel(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const res = openReservations(c.value);
  if (res.isErr) return res.pass<Unit>();
  // Nothing held is success: DEL may come twice, or after a failed ADD.
  const released = res.value.release(new Owner(req.containerId, req.ifname));
  return released.isErr ? released.pass<Unit>() : done();
}

function cmdCheck(req: Request): Done {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a;
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const res = openReservations(c.value);
  if (res.isErr) return res.pass<Unit>();
  const owner = new Owner(req.containerId, req.ifname);
  const allocs = allocatorsOf(c.value, res.value);
  for (let i = 0; i < allocs.length; i++) {
    const held = allocs[i].heldBy(owner);
    if (held.isErr) return held.pass<Unit>();
    if (held.value == null) {
      return fail<Unit>(internalError("host-local: Failed to find address added by container " + req.containerId +
        " in range set " + allocs[i].toString()));
    }
  }
  return done();
}

/** Ready for ADD when the store takes writes and every range set has a free address (else 50). */
function cmdStatus(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const s = BucketStore.open();
  if (s.isErr) return fail<Unit>(notAvailableError(s.error.msg));
  const put = s.value.put(PROBE_KEY, "");
  if (put.isErr) return fail<Unit>(notAvailableError("host-local: IPAM store is not writable: " + put.error.msg));
  const removed = s.value.remove(PROBE_KEY);
  if (removed.isErr) return fail<Unit>(notAvailableError("host-local: IPAM store is not writable: " + removed.error.msg));
  const allocs = allocatorsOf(c.value, Reservations.open(s.value));
  for (let i = 0; i < allocs.length; i++) {
    const free = allocs[i].hasFree();
    if (free.isErr) return fail<Unit>(notAvailableError(free.error.msg));
    if (!free.value) return fail<Unit>(notAvailableError("no IP addresses available in range set: " + allocs[i].toString()));
  }
  return done();
}

/** Releases every reservation whose attachment is not in `cni.dev/valid-attachments`. */
function cmdGc(req: Request): Done {
  const c = loadConfig(req);
  if (c.isErr) return c.pass<Unit>();
  const valid = readValidAttachments(c.value.reader);
  if (valid == null) return fail<Unit>(invalidConfigError(c.value.reader.errors.toString()));
  const res = openReservations(c.value);
  if (res.isErr) return res.pass<Unit>();
  const entries = res.value.all();
  if (entries.isErr) return entries.pass<Unit>();
  const all = entries.value;
  let released = 0;
  let firstError: CniError | null = null; // go on: GC frees as much as it can
  for (let i = 0; i < all.length; i++) {
    if (isValid(valid!, all[i].v1)) continue;
    const r = res.value.releaseIP(all[i].v0);
    if (r.isErr) {
      if (firstError == null) firstError = r.error;
    } else {
      released++;
    }
  }
  if (released > 0) log.write(log.Level.INFO, "gc released " + released.toString() + " address(es) of " + c.value.name);
  return firstError != null ? fail<Unit>(firstError) : done();
}

function openReservations(c: IpamConfig): Result<Reservations, CniError> {
  const s = BucketStore.open();
  if (s.isErr) return s.pass<Reservations>();
  return ok<Reservations, CniError>(Reservations.open(s.value));
}

function allocatorsOf(c: IpamConfig, res: Reservations): Allocator[] {
  const out: Allocator[] = [];
  for (let i = 0; i < c.ranges.length; i++) out.push(new Allocator(c.ranges[i], res, i));
  return out;
}

/** Removes and returns the first requested address in the allocator's set, or null. */
function takeRequested(a: Allocator, requested: IP[]): IP | null {
  for (let i = 0; i < requested.length; i++) {
    if (!a.contains(requested[i])) continue;
    const ip = requested[i];
    requested.splice(i, 1);
    return ip;
  }
  return null;
}

/** Undoes a failed ADD: only what this call reserved (older reservations stay). */
function releaseAll(res: Reservations, result: CniResult): void {
  for (let i = 0; i < result.ips.length; i++) res.releaseIP(result.ips[i].address.ip);
}

/** Old values name the container only, so they stay while any of its attachments is valid. */
function isValid(valid: Attachment[], o: Owner): bool {
  for (let i = 0; i < valid.length; i++) {
    if (valid[i].containerId.trim() != o.containerId) continue;
    if (o.ifname.length == 0 || valid[i].ifname == o.ifname) return true;
  }
  return false;
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
