// The token bucket filter's TCA_OPTIONS (net/sched/sch_tbf.c), encoded as tc's q_tbf.c does
// (rate table, ethernet link layer, limit from latency), and parsed from a dump.
import { bytesAttr, nestedAttr, type Attr, type AttrSet } from "../nl/attr";
import { readU32, StructWriter } from "../nl/bytes";
import { TCA } from "./tc-msg";

const TCA_TBF = { PARMS: 1, RTAB: 2, PTAB: 3, RATE64: 4, PRATE64: 5, BURST: 6, PBURST: 7 } as const;

/** tc's time unit: microseconds (TIME_UNITS_PER_SEC). */
const TIME_UNITS_PER_SEC = 1_000_000;
const TC_LINKLAYER_ETHERNET = 1;
const U32_MAX = 0xffffffff;

/** Kernel scheduler ticks per microsecond, from /proc/net/psched (tc_core_init): 15.625 on every kernel since 3.x. */
export type TickInUsec = number;

/** Parses /proc/net/psched as tc does: t2us, us2t, clock resolution. */
export function parsePsched(text: string): TickInUsec {
  const [t2us, us2t, clockRes] = text.trim().split(/\s+/).map((h) => parseInt(h, 16)) as [number, number, number];
  const t2 = clockRes === 1_000_000_000 ? us2t : t2us;
  return (t2 / us2t) * (clockRes / TIME_UNITS_PER_SEC);
}

export interface Tbf {
  /** Bytes per second. */
  rate: bigint;
  /** Bytes. */
  burst: number;
  /** Bytes that may wait, or the microseconds a packet may (the limit is then derived). */
  limit?: number;
  latencyUs?: number;
  peakrate?: bigint;
  /** Bytes of the peak-rate bucket (tc's mtu). */
  mtu?: number;
}

/** tc_core_time2tick: unsigned truncation on the way in and out, as C does. */
function time2tick(time: number, tick: TickInUsec): number {
  return Math.trunc(Math.trunc(time) * tick);
}

/** tc_calc_xmittime: the ticks `size` bytes take at `rate` bytes/s. */
export function xmitTime(rate: number, size: number, tick: TickInUsec): number {
  return time2tick(TIME_UNITS_PER_SEC * (size / rate), tick);
}

/**
 * What is wrong with a tbf before anything is sent (tc's own checks, plus the ranges where its
 * unsigned arithmetic would wrap); null when it is fine.
 */
export function tbfProblem(t: Tbf, tick: TickInUsec): string | null {
  const rate = t.rate >= 1n << 32n ? U32_MAX : Number(t.rate); // tc sends the rate table's rate capped so
  if (t.rate < 1n || t.rate > 0xffffffffffffffffn) return `tbf rate ${t.rate} bytes/s is outside 1..2^64-1`;
  if (t.burst < 1 || t.burst > U32_MAX) return `tbf burst ${t.burst} bytes is outside 1..4294967295`;
  if (TIME_UNITS_PER_SEC * (t.burst / rate) * tick > U32_MAX) {
    return `tbf burst ${t.burst} bytes takes more than ${Math.floor(U32_MAX / tick / TIME_UNITS_PER_SEC)} s at rate ${t.rate} bytes/s: the kernel's bucket is a 32-bit count of ticks`;
  }
  if ((t.limit === undefined) === (t.latencyUs === undefined)) return "tbf needs exactly one of limit and latency";
  if (t.limit !== undefined && (t.limit < 1 || t.limit > U32_MAX)) return `tbf limit ${t.limit} bytes is outside 1..4294967295`;
  if (t.latencyUs !== undefined && (t.latencyUs < 1 || t.latencyUs > U32_MAX)) return `tbf latency ${t.latencyUs} us is outside 1..4294967295`;
  if (t.mtu !== undefined && (t.mtu < 1 || t.mtu > U32_MAX)) return `tbf mtu ${t.mtu} bytes is outside 1..4294967295`;
  if (t.peakrate !== undefined) {
    if (t.mtu === undefined) return "tbf peakrate needs mtu (tc: when \"peakrate\" is specified, \"mtu\" must also be specified)";
    if (t.peakrate <= t.rate || t.peakrate > 0xffffffffffffffffn) return `tbf peakrate ${t.peakrate} bytes/s must be above rate ${t.rate}`;
    if (TIME_UNITS_PER_SEC * (t.mtu / Number(t.peakrate)) * tick > U32_MAX) return `tbf mtu ${t.mtu} bytes takes too long at peakrate ${t.peakrate}`;
  }
  if (t.latencyUs !== undefined && tbfLimit(t) > U32_MAX) return `tbf latency ${t.latencyUs} us at rate ${t.rate} bytes/s makes a limit above 4294967295 bytes`;
  return null;
}

/** The limit tc derives from a latency: rate × latency + burst, or less with a peak rate. */
function tbfLimit(t: Tbf): number {
  if (t.limit !== undefined) return t.limit;
  const lat = t.latencyUs!;
  let lim = (Number(t.rate) * lat) / TIME_UNITS_PER_SEC + t.burst;
  if (t.peakrate !== undefined) {
    const lim2 = (Number(t.peakrate) * lat) / TIME_UNITS_PER_SEC + t.mtu!;
    if (lim2 < lim) lim = lim2;
  }
  return Math.trunc(lim);
}

/** struct tc_ratespec and its rate table (tc_calc_rtable, ethernet, no mpu or overhead). */
function rateTable(rate32: number, mtu: number | undefined, tick: TickInUsec): { cellLog: number; table: Uint8Array } {
  const m = mtu === undefined || mtu === 0 ? 2047 : mtu;
  let cellLog = 0;
  while (m >>> cellLog > 255) cellLog++;
  const table = new StructWriter(1024);
  for (let i = 0; i < 256; i++) table.u32(i * 4, xmitTime(rate32, (i + 1) << cellLog, tick));
  return { cellLog, table: table.bytes };
}

function rateSpec(w: StructWriter, off: number, cellLog: number, rate32: number): void {
  w.u8(off, cellLog).u8(off + 1, TC_LINKLAYER_ETHERNET).u16(off + 2, 0).u16(off + 4, 0xffff).u16(off + 6, 0).u32(off + 8, rate32);
}

/**
 * TCA_OPTIONS of a tbf, attribute for attribute as tc sends them: PARMS, BURST, RATE64 (2^32
 * and more), RTAB, then with a peak rate PRATE64, PBURST, PTAB. Check tbfProblem first.
 */
export function tbfOptions(t: Tbf, tick: TickInUsec): Attr {
  const rate32 = t.rate >= 1n << 32n ? U32_MAX : Number(t.rate);
  const prate32 = t.peakrate === undefined ? 0 : t.peakrate >= 1n << 32n ? U32_MAX : Number(t.peakrate);
  const r = rateTable(rate32, t.mtu, tick);
  const parms = new StructWriter(36);
  rateSpec(parms, 0, r.cellLog, rate32);
  const p = prate32 !== 0 ? rateTable(prate32, t.mtu, tick) : undefined;
  if (p) rateSpec(parms, 12, p.cellLog, prate32);
  parms.u32(24, tbfLimit(t)).u32(28, xmitTime(rate32, t.burst, tick)).u32(32, p ? xmitTime(prate32, t.mtu!, tick) : 0);
  const u32 = (v: number) => new StructWriter(4).u32(0, v).bytes;
  const u64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    return b;
  };
  const attrs = [bytesAttr(TCA_TBF.PARMS, parms.bytes), bytesAttr(TCA_TBF.BURST, u32(t.burst))];
  if (t.rate >= 1n << 32n) attrs.push(bytesAttr(TCA_TBF.RATE64, u64(t.rate)));
  attrs.push(bytesAttr(TCA_TBF.RTAB, r.table));
  if (p) {
    if (t.peakrate! >= 1n << 32n) attrs.push(bytesAttr(TCA_TBF.PRATE64, u64(t.peakrate!)));
    attrs.push(bytesAttr(TCA_TBF.PBURST, u32(t.mtu!)), bytesAttr(TCA_TBF.PTAB, p.table));
  }
  return nestedAttr(TCA.OPTIONS, attrs);
}

/** A tbf as a dump reports it. */
export interface TbfState {
  rate: bigint;
  /** Bytes, recomputed from the kernel's ticks to the nearest byte. */
  burst: number;
  limit: number;
  peakrate: bigint;
  /** The bucket and the peak-rate bucket in kernel ticks, as the kernel holds them. */
  bufferTicks: number;
  mtuTicks: number;
}

export function parseTbf(options: AttrSet | undefined, tick: TickInUsec): TbfState | undefined {
  const parms = options?.get(TCA_TBF.PARMS);
  if (parms === undefined || parms.length < 36) return undefined;
  const u64 = (type: number) => {
    const v = options!.get(type);
    return v && v.length >= 8 ? new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true) : undefined;
  };
  const rate = u64(TCA_TBF.RATE64) ?? BigInt(readU32(parms, 8));
  const peakrate = u64(TCA_TBF.PRATE64) ?? BigInt(readU32(parms, 20));
  const bufferTicks = readU32(parms, 28);
  // The bytes the rate sends in the bucket's time, to the nearest byte (tc truncates twice on the way).
  const burst = Math.round((Number(rate) * (bufferTicks / tick)) / TIME_UNITS_PER_SEC);
  return { rate, burst, limit: readU32(parms, 24), peakrate, bufferTicks, mtuTicks: readU32(parms, 32) };
}

/**
 * TCA_OPTIONS that put back a tbf as a dump reported it: its buckets in ticks as the kernel
 * holds them (no TCA_TBF_BURST, so the kernel takes the ticks as they are; no rate table, which
 * kernels since 3.8 do not use).
 */
export function tbfRestoreOptions(s: TbfState): Attr {
  const rate32 = s.rate >= 1n << 32n ? U32_MAX : Number(s.rate);
  const prate32 = s.peakrate >= 1n << 32n ? U32_MAX : Number(s.peakrate);
  const parms = new StructWriter(36);
  rateSpec(parms, 0, 0, rate32);
  if (prate32 !== 0) rateSpec(parms, 12, 0, prate32);
  parms.u32(24, s.limit).u32(28, s.bufferTicks).u32(32, s.mtuTicks);
  const attrs = [bytesAttr(TCA_TBF.PARMS, parms.bytes)];
  const u64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    return b;
  };
  if (s.rate >= 1n << 32n) attrs.push(bytesAttr(TCA_TBF.RATE64, u64(s.rate)));
  if (s.peakrate >= 1n << 32n) attrs.push(bytesAttr(TCA_TBF.PRATE64, u64(s.peakrate)));
  return nestedAttr(TCA.OPTIONS, attrs);
}
