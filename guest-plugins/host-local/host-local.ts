// host-local: IPAM that hands out one address per range set from ranges kept on this host,
// as containernetworking/plugins' plugins/ipam/host-local does. State lives in the host's
// `store` capability (host-local's file layout) under the bucket's lock, so concurrent calls
// on one network allocate one after the other. The only capabilities: store, log, dns (the
// host reads `resolvConf` for it).
import {
  register, log, dns, Request, Result, Unit, CniError, CniResult, Dns, IP, ok, err, okUnit, internalError,
  invalidConfigError, newCniError, wrapCniError, CniErrorCode, readValidAttachments, Attachment, hostErrorToCni, checkKnownArgs,
} from "@wasm-cni/sdk";
import { IpamConfig, loadConfig } from "./config";
import { Allocator } from "./allocator";
import { BucketStore } from "./bucket-store";
import { Owner, Reservations } from "./reservations";
import {
  E_ALLOCATE_FOR_RANGE, E_NOT_ALL_REQUESTED, E_NOT_FOUND, E_IN_RANGE_SET, E_NO_ADDRESSES, E_STORE_NOT_WRITABLE, E_RESOLV_CONF,
} from "./errors";
export * from "@wasm-cni/sdk/exports";

/** A key that is never an address: written and removed by STATUS to prove the store writable. */
const PROBE_KEY = "status.probe";

/** The CNI_ARGS keys host-local reads; ADD and CHECK refuse others without IgnoreUnknown, as Go. DEL does not: it must always clean up. */
const KNOWN_ARGS = ["IP"];

function cmdAdd(req: Request): Result<string, CniError> {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a.pass<string>();
  const c = loadConfig(req);
  if (c.isErr) return err<string, CniError>(c.error);
  const conf = c.value;
  const result = new CniResult();
  // Before anything is reserved, as Go: a missing file leaves no reservation behind.
  if (conf.resolvConf.length > 0) {
    const d = dns.readResolvConf(conf.resolvConf);
    if (d.isErr) return err<string, CniError>(hostErrorToCni(d.error, E_RESOLV_CONF));
    result.dns = dnsOf(d.value);
  }
  const res = openReservations(conf);
  if (res.isErr) return err<string, CniError>(res.error);
  const owner = new Owner(req.containerId, req.ifname);
  const requested = conf.requested.slice(0);
  const allocs = allocatorsOf(conf, res.value);
  for (let i = 0; i < allocs.length; i++) {
    const a = allocs[i];
    const got = a.get(owner, takeRequested(a, requested));
    if (got.isErr) {
      releaseAll(res.value, result);
      return err<string, CniError>(wrapCniError(got.error, E_ALLOCATE_FOR_RANGE + i.toString()));
    }
    result.ips.push(got.value);
  }
  if (requested.length > 0) {
    releaseAll(res.value, result);
    let msg = E_NOT_ALL_REQUESTED;
    for (let i = 0; i < requested.length; i++) msg += " " + requested[i].toString();
    return err<string, CniError>(internalError(msg));
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

function cmdDel(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const res = openReservations(c.value);
  if (res.isErr) return err<Unit, CniError>(res.error);
  // Nothing held is success: DEL may come twice, or after a failed ADD.
  const released = res.value.release(new Owner(req.containerId, req.ifname));
  return released.isErr ? err<Unit, CniError>(released.error) : okUnit<CniError>();
}

function cmdCheck(req: Request): Result<Unit, CniError> {
  const a = checkKnownArgs(req, KNOWN_ARGS);
  if (a.isErr) return a;
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const res = openReservations(c.value);
  if (res.isErr) return err<Unit, CniError>(res.error);
  const owner = new Owner(req.containerId, req.ifname);
  const allocs = allocatorsOf(c.value, res.value);
  for (let i = 0; i < allocs.length; i++) {
    if (allocs[i].heldBy(owner) == null) {
      return err<Unit, CniError>(internalError(E_NOT_FOUND + req.containerId + E_IN_RANGE_SET + allocs[i].toString()));
    }
  }
  return okUnit<CniError>();
}

/** Ready for ADD when the store takes writes and every range set has a free address (else 50). */
function cmdStatus(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const s = BucketStore.open();
  if (s.isErr) return err<Unit, CniError>(unavailable(s.error.msg));
  const put = s.value.put(PROBE_KEY, "");
  if (put.isErr) return err<Unit, CniError>(unavailable(E_STORE_NOT_WRITABLE + put.error.msg));
  const removed = s.value.remove(PROBE_KEY);
  if (removed.isErr) return err<Unit, CniError>(unavailable(E_STORE_NOT_WRITABLE + removed.error.msg));
  const res = Reservations.load(s.value);
  if (res.isErr) return err<Unit, CniError>(unavailable(res.error.msg));
  const allocs = allocatorsOf(c.value, res.value);
  for (let i = 0; i < allocs.length; i++) {
    if (!allocs[i].hasFree()) return err<Unit, CniError>(unavailable(E_NO_ADDRESSES + allocs[i].toString()));
  }
  return okUnit<CniError>();
}

/** Releases every reservation whose attachment is not in `cni.dev/valid-attachments`. */
function cmdGc(req: Request): Result<Unit, CniError> {
  const c = loadConfig(req);
  if (c.isErr) return err<Unit, CniError>(c.error);
  const valid = readValidAttachments(c.value.reader);
  if (valid == null) return err<Unit, CniError>(invalidConfigError(c.value.reader.errors.toString()));
  const res = openReservations(c.value);
  if (res.isErr) return err<Unit, CniError>(res.error);
  const all = res.value.all();
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
  return firstError != null ? err<Unit, CniError>(firstError) : okUnit<CniError>();
}

function openReservations(c: IpamConfig): Result<Reservations, CniError> {
  const s = BucketStore.open();
  if (s.isErr) return err<Reservations, CniError>(s.error);
  return Reservations.load(s.value);
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

function unavailable(msg: string): CniError {
  return newCniError(CniErrorCode.PLUGIN_NOT_AVAILABLE, msg);
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
