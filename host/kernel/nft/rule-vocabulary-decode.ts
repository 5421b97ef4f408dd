// Reads a rule's nf_tables expressions back into the typed rule that rule-vocabulary.ts
// compiled, with its counter's values: what `firewall.rules` reports for CHECK comes from the
// kernel, not from a record of what was asked. Anything but the shapes the compiler makes
// (a rule someone changed with nft) reads as undefined.
import { type AttrSet, parseAttrs } from "../nl/attr";
import { formatCidr, formatIp } from "../rtnl/inet";
import { NF_VERDICT, NFT_CMP, NFT_CT, NFT_FIB, NFT_META, NFT_NAT, NFT_PAYLOAD, NFTA_DATA } from "./expr";
import { readBe64 } from "./message-types";
import {
  CT_STATE_BITS, type CtStates, FAMILY, IPS_DST_NAT, L4_NUMBER, type L4Protocol, PORT_OFFSET, type PortRange, type RuleFamily,
  type RuleMatch, type RuleVerdict, type TypedRule,
} from "./rule-vocabulary";

/** One expression of a rule: its name and its NFTA_EXPR_DATA attributes. */
interface Expr {
  name: string;
  data: AttrSet;
}

/** A typed rule as the kernel holds it, with its counter. */
export interface DecodedRule {
  rule: TypedRule;
  packets: bigint;
  bytes: bigint;
}

/** The expressions of an NFTA_RULE_EXPRESSIONS payload. */
export function parseExprs(raw: Uint8Array): Expr[] {
  return parseAttrs(raw).all(1 /* NFTA_LIST_ELEM */).map((elem) => {
    const a = parseAttrs(elem);
    return { name: a.string(1 /* NAME */) ?? "", data: a.nested(2 /* DATA */) ?? parseAttrs(new Uint8Array(0)) };
  });
}

const be32 = (a: AttrSet, type: number): number | undefined => {
  const v = a.get(type);
  return v && v.length >= 4 ? new DataView(v.buffer, v.byteOffset).getUint32(0) : undefined;
};
const hostU32 = (b: Uint8Array | undefined): number | undefined =>
  b && b.length === 4 ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) : undefined;
const be16 = (b: Uint8Array | undefined): number | undefined => (b && b.length === 2 ? (b[0]! << 8) | b[1]! : undefined);
/** The NFTA_DATA_VALUE inside a nested data attribute (cmp, bitwise, immediate). */
const dataValue = (a: AttrSet, type: number): Uint8Array | undefined => a.nested(type)?.get(NFTA_DATA.VALUE);

class Reader {
  i = 0;
  constructor(readonly exprs: Expr[]) {}
  peek(name: string): Expr | undefined {
    const e = this.exprs[this.i];
    return e?.name === name ? e : undefined;
  }
  take(name: string): Expr | undefined {
    const e = this.peek(name);
    if (e) this.i++;
    return e;
  }
  /** A cmp: its op and data. */
  cmp(): { op: number; data: Uint8Array } | undefined {
    const e = this.take("cmp");
    const op = e && be32(e.data, 2);
    const data = e && dataValue(e.data, 3);
    return op === undefined || data === undefined ? undefined : { op, data };
  }
  /** A bitwise's mask and xor. */
  bitwise(): { mask: Uint8Array; xor: Uint8Array } | undefined {
    const e = this.take("bitwise");
    const mask = e && dataValue(e.data, 4);
    const xor = e && dataValue(e.data, 5);
    return mask && xor ? { mask, xor } : undefined;
  }
  get done(): boolean {
    return this.i >= this.exprs.length;
  }
}

const popcount = (bytes: Uint8Array): number => bytes.reduce((n, b) => n + b.toString(2).replaceAll("0", "").length, 0);

function familyOf(r: Reader): RuleFamily | undefined {
  const m = r.take("meta");
  const c = r.cmp();
  if (!m || be32(m.data, 2) !== NFT_META.NFPROTO || !c || c.op !== NFT_CMP.EQ) return undefined;
  return c.data[0] === FAMILY.v4.nfproto ? "v4" : c.data[0] === FAMILY.v6.nfproto ? "v6" : undefined;
}

function portRange(r: Reader): PortRange | undefined {
  const a = r.cmp();
  const first = be16(a?.data);
  if (!a || first === undefined) return undefined;
  if (a.op === NFT_CMP.EQ) return { first, last: first };
  const b = r.cmp();
  const last = be16(b?.data);
  return a.op === NFT_CMP.GTE && b?.op === NFT_CMP.LTE && last !== undefined ? { first, last } : undefined;
}

/** A flags test: bitwise mask, then cmp != 0. */
function flagsMask(r: Reader): number | undefined {
  const b = r.bitwise();
  const c = r.cmp();
  return b && c && c.op === NFT_CMP.NEQ && hostU32(c.data) === 0 ? hostU32(b.mask) : undefined;
}

function ctStates(mask: number): CtStates {
  const out: CtStates = {};
  for (const [k, bit] of Object.entries(CT_STATE_BITS)) if (mask & bit) out[k as keyof CtStates] = true;
  return out;
}

/** Register contents loaded by immediates before a NAT statement. */
function registers(r: Reader): Map<number, Uint8Array> {
  const regs = new Map<number, Uint8Array>();
  for (let e = r.peek("immediate"); e && be32(e.data, 1) !== 0; e = r.peek("immediate")) {
    r.i++;
    const v = dataValue(e.data, 2);
    if (v) regs.set(be32(e.data, 1)!, v);
  }
  return regs;
}

function portsOf(regs: Map<number, Uint8Array>, data: AttrSet, minType: number, maxType: number): PortRange | undefined | null {
  const min = be32(data, minType);
  if (min === undefined) return undefined;
  const first = be16(regs.get(min));
  const maxReg = be32(data, maxType);
  const last = maxReg === undefined ? first : be16(regs.get(maxReg));
  return first === undefined || last === undefined ? null : { first, last };
}

function match(r: Reader, family: RuleFamily): RuleMatch | undefined {
  const e = r.exprs[r.i]!;
  const f = FAMILY[family];
  if (e.name === "payload") {
    r.i++;
    const base = be32(e.data, 2);
    const offset = be32(e.data, 3);
    if (base === NFT_PAYLOAD.TRANSPORT_HEADER && (offset === PORT_OFFSET.sport || offset === PORT_OFFSET.dport)) {
      const val = portRange(r);
      return val && { tag: offset === PORT_OFFSET.sport ? "sport" : "dport", val };
    }
    if (base !== NFT_PAYLOAD.NETWORK_HEADER || (offset !== f.saddr && offset !== f.daddr)) return undefined;
    const mask = r.peek("bitwise") ? r.bitwise()?.mask : undefined;
    const c = r.cmp();
    if (!c || (c.op !== NFT_CMP.EQ && c.op !== NFT_CMP.NEQ)) return undefined;
    const bytes = new Uint8Array(f.len);
    bytes.set(c.data.subarray(0, f.len));
    const prefix = mask ? popcount(mask) : c.data.length * 8;
    return { tag: offset === f.saddr ? "saddr" : "daddr", val: { cidr: formatCidr(bytes, prefix), negate: c.op === NFT_CMP.NEQ } };
  }
  if (e.name === "meta" && !e.data.has(3 /* SREG */)) {
    const key = be32(e.data, 2);
    if (key === NFT_META.MARK) {
      // `meta mark set mark | v` starts the same way: the verdict's, not a match.
      const next = r.exprs[r.i + 2];
      if (r.exprs[r.i + 1]?.name === "bitwise" && next?.name === "meta") return undefined;
      r.i++;
      const mask = r.peek("bitwise") ? hostU32(r.bitwise()?.mask) : 0xffffffff;
      const c = r.cmp();
      const value = hostU32(c?.data);
      return c?.op === NFT_CMP.EQ && mask !== undefined && value !== undefined ? { tag: "mark", val: { value, mask } } : undefined;
    }
    r.i++;
    const c = r.cmp();
    if (!c) return undefined;
    if (key === NFT_META.IIFNAME || key === NFT_META.OIFNAME) {
      const end = c.data.indexOf(0);
      const name = new TextDecoder().decode(end < 0 ? c.data : c.data.subarray(0, end));
      return { tag: key === NFT_META.IIFNAME ? "iifname" : "oifname", val: { name, negate: c.op === NFT_CMP.NEQ } };
    }
    if (key === NFT_META.L4PROTO && c.op === NFT_CMP.EQ) {
      const p = (Object.keys(L4_NUMBER) as L4Protocol[]).find((k) => L4_NUMBER[k] === c.data[0]);
      return p && { tag: "protocol", val: p };
    }
    return undefined;
  }
  if (e.name === "ct") {
    r.i++;
    const key = be32(e.data, 2);
    const mask = flagsMask(r);
    if (mask === undefined) return undefined;
    if (key === NFT_CT.STATE) return { tag: "ct-state", val: ctStates(mask) };
    return key === NFT_CT.STATUS && mask === IPS_DST_NAT ? { tag: "ct-dnat" } : undefined;
  }
  if (e.name === "fib") {
    r.i++;
    const c = r.cmp();
    return c?.op === NFT_CMP.EQ && hostU32(c.data) === NFT_FIB.RTN_LOCAL ? { tag: "daddr-local" } : undefined;
  }
  return undefined;
}

function verdictOf(r: Reader, family: RuleFamily): RuleVerdict | undefined {
  if (r.done) return { tag: "continue" };
  const imm = r.peek("immediate");
  if (imm && be32(imm.data, 1) === 0) {
    r.i++;
    const code = imm.data.nested(2)?.nested(NFTA_DATA.VERDICT)?.get(1);
    const v = code && new DataView(code.buffer, code.byteOffset).getInt32(0);
    return v === NF_VERDICT.ACCEPT ? { tag: "accept" } : v === NF_VERDICT.DROP ? { tag: "drop" } : undefined;
  }
  if (r.take("reject")) return { tag: "reject" };
  if (r.peek("meta")) {
    r.i++;
    const b = r.bitwise();
    const set = r.take("meta");
    const value = hostU32(b?.xor);
    return set && be32(set.data, 2) === NFT_META.MARK && value !== undefined ? { tag: "set-mark", val: value } : undefined;
  }
  const regs = registers(r);
  const natE = r.take("nat");
  if (natE) {
    const type = be32(natE.data, 1);
    const addr = regs.get(be32(natE.data, 3) ?? -1);
    const ports = portsOf(regs, natE.data, 5, 6);
    if (addr?.length !== FAMILY[family].len || ports === null) return undefined;
    const val = { addr: formatIp(addr), ...(ports && { ports }) };
    return type === NFT_NAT.DNAT ? { tag: "dnat", val } : type === NFT_NAT.SNAT ? { tag: "snat", val } : undefined;
  }
  const masq = r.take("masq");
  if (masq) {
    const ports = portsOf(regs, masq.data, 2, 3);
    return ports === null ? undefined : { tag: "masquerade", val: ports };
  }
  const redir = r.take("redir");
  if (redir) {
    const ports = portsOf(regs, redir.data, 1, 2);
    return ports === null ? undefined : { tag: "redirect", val: ports };
  }
  return undefined;
}

/** The typed rule of a rule's expressions, or undefined when they are not one the compiler makes. */
export function decodeTypedRule(raw: Uint8Array): DecodedRule | undefined {
  const r = new Reader(parseExprs(raw));
  const family = familyOf(r);
  if (!family) return undefined;
  const matches: RuleMatch[] = [];
  while (!r.done && ["payload", "meta", "ct", "fib"].includes(r.exprs[r.i]!.name)) {
    const at = r.i;
    const m = match(r, family);
    if (!m) {
      r.i = at;
      break; // maybe the set-mark verdict; verdictOf decides
    }
    matches.push(m);
  }
  let packets = 0n;
  let bytes = 0n;
  const counted = r.take("counter");
  if (counted) {
    bytes = readBe64(counted.data.get(1) ?? new Uint8Array(8));
    packets = readBe64(counted.data.get(2) ?? new Uint8Array(8));
  }
  const verdict = verdictOf(r, family);
  if (!verdict || !r.done) return undefined;
  // reject's kind follows from the rule (tcp reset with a tcp protocol match), as compiled.
  return { rule: { family, matches, verdict, counter: counted !== undefined }, packets, bytes };
}
