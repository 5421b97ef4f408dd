// bandwidth's config, as containernetworking/plugins' plugins/meta/bandwidth reads it: rates in
// bits per second and bursts in bits, at the top level or from the `bandwidth` capability
// (runtimeConfig.bandwidth) when the top level has none. Every bad value is a code 7 naming it.
import {
  Request, Result, CniError, NetConf, ObjectReader, parseNetConf, formatHashWithPrefix, fail, ok,
} from "@wasm-cni/sdk";

/** The keys of one bandwidth entry (CONVENTIONS.md's `bandwidth` capability). */
const KEYS = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"];

/** Go's 2^32-1 bytes: "burst cannot be more than 4GB". */
const MAX_BURST_BYTES: u64 = 0xffffffff;
/** The largest integer a JSON number holds exactly. */
const MAX_EXACT: f64 = 9007199254740991;

/** One direction's shaping, in bits: a rate in bits/s and its bucket in bits (0: not shaped). */
export class Shaping {
  constructor(public rate: u64, public burst: u64) {}
  get isSet(): bool { return this.rate > 0 && this.burst > 0; }
  /** tbf's values in bytes, as the Go plugin divides them. */
  get rateBytes(): u64 { return this.rate / 8; }
  get burstBytes(): u32 { return <u32>(this.burst / 8); }
}

export class BandwidthConf {
  /** To the container (tbf on the host veth). */
  ingress: Shaping = new Shaping(0, 0);
  /** From the container (through the ifb). */
  egress: Shaping = new Shaping(0, 0);
  constructor(public net: NetConf) {}
  get isZero(): bool {
    return this.ingress.rate == 0 && this.ingress.burst == 0 && this.egress.rate == 0 && this.egress.burst == 0;
  }
}

/** The ifb of one attachment: "bwp" + 12 hex digits of SHA-512(network name + container id), as Go names it. */
export function ifbName(network: string, containerId: string): string {
  return formatHashWithPrefix(15, "bwp", network + containerId);
}

/** A rate or burst: a non-negative integer number of bits (0 when absent). */
function readBits(r: ObjectReader, key: string): u64 {
  if (!r.has(key)) return 0;
  const v = r.optNumber(key);
  if (v < 0 || v != Math.floor(v) || v > MAX_EXACT) {
    r.fail(key, "must be a whole number of bits (per second for a rate) from 0 to 2^53, not " + v.toString());
    return 0;
  }
  return <u64>v;
}

/** Go's validateRateAndBurst, naming the fields and values, plus the bytes tbf counts in. */
function readShaping(r: ObjectReader, rateKey: string, burstKey: string): Shaping {
  const s = new Shaping(readBits(r, rateKey), readBits(r, burstKey));
  if (s.rate != 0 && s.burst == 0) r.fail(burstKey, "must be set when " + rateKey + " is (" + s.rate.toString() + " bits/s): a rate needs a burst");
  if (s.rate == 0 && s.burst != 0) r.fail(rateKey, "must be set when " + burstKey + " is (" + s.burst.toString() + " bits): a burst needs a rate");
  if (s.rate != 0 && s.rate < 8) r.fail(rateKey, s.rate.toString() + " bits/s is below 8: tbf counts whole bytes per second");
  if (s.burst != 0 && s.burst < 8) r.fail(burstKey, s.burst.toString() + " bits is below 8: tbf counts whole bytes");
  if (s.burst / 8 >= MAX_BURST_BYTES) r.fail(burstKey, s.burst.toString() + " bits is more than 4GB (2^32-1 bytes), as Go refuses");
  return s;
}

/**
 * shapedSubnets/unshapedSubnets came in v1.5.0 and were taken out in v1.6.0 (upstream reverted
 * #921); upstream main shapes every packet and ignores the keys. A list that is not empty asks
 * for traffic to stay unshaped that we would shape: code 7 rather than silence.
 */
function refuseSubnets(r: ObjectReader): void {
  const keys = ["shapedSubnets", "unshapedSubnets"];
  for (let i = 0; i < keys.length; i++) {
    const a = r.optArray(keys[i]);
    if (a != null && a.length > 0) {
      r.fail(keys[i], "is not supported: upstream removed it in v1.6.0 (containernetworking/plugins#921 was reverted) and shapes every packet; leave it out or empty");
    }
  }
}

/** True when the object has any key of a bandwidth entry (Go's embedded *BandwidthEntry is then set). */
function hasEntry(r: ObjectReader): bool {
  for (let i = 0; i < KEYS.length; i++) if (r.has(KEYS[i])) return true;
  return false;
}

/**
 * The config: the top level's entry when it has any of its keys, else runtimeConfig.bandwidth,
 * as Go's getBandwidth. Every problem of the entry in use is listed at once (code 7).
 */
export function loadConfig(req: Request): Result<BandwidthConf, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<BandwidthConf>();
  const c = new BandwidthConf(p.value);
  const top = c.net.reader;
  let entry: ObjectReader | null = hasEntry(top) ? top : null;
  refuseSubnets(top);
  if (entry == null) {
    const rc = top.optObject("runtimeConfig");
    if (rc != null) entry = rc.optObject("bandwidth");
    if (entry != null) refuseSubnets(entry);
  }
  if (entry != null) {
    c.ingress = readShaping(entry, "ingressRate", "ingressBurst");
    c.egress = readShaping(entry, "egressRate", "egressBurst");
  }
  const bad = c.net.check();
  return bad.isErr ? bad.pass<BandwidthConf>() : ok<BandwidthConf, CniError>(c);
}
