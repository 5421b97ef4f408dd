// Queueing disciplines of a link (like netlink's qdisc_linux.go): add, replace, delete, list.
import { readFileSync } from "node:fs";
import { stringAttr } from "../nl/attr";
import { NLM_F } from "../nl/header";
import type { RtnlHandle } from "./handle";
import { type LinkRef, linkIndex, linkLabel } from "./link";
import { RTM } from "./message-types";
import { parseTbf, parsePsched, type Tbf, tbfOptions, tbfRestoreOptions, type TbfState, type TickInUsec } from "./tbf";
import { parseTcMsg, TC_H, TCA, tcMsg } from "./tc-msg";

export type { Tbf, TbfState, TickInUsec } from "./tbf";
export { tbfProblem } from "./tbf";

/** What a qdisc request puts on a link: a tbf at the root, or an ingress/clsact qdisc. */
export type QdiscSpec = { kind: "tbf"; handle: number; tbf: Tbf } | { kind: "ingress" | "clsact" };

/** A qdisc as `tc qdisc show` reports it. */
export interface Qdisc {
  kind: string;
  handle: number;
  parent: number;
  tbf?: TbfState;
}

/** The kernel's scheduler ticks per microsecond (tc_core_init reads the same file). */
export function tickInUsec(): TickInUsec {
  return parsePsched(readFileSync("/proc/net/psched", "utf8"));
}

function qdiscRequest(link: LinkRef, spec: QdiscSpec, tick: TickInUsec) {
  if (spec.kind === "tbf") {
    return {
      body: tcMsg({ ifindex: linkIndex(link), handle: (spec.handle << 16) >>> 0, parent: TC_H.ROOT }),
      attrs: [stringAttr(TCA.KIND, "tbf"), tbfOptions(spec.tbf, tick)],
    };
  }
  return {
    body: tcMsg({ ifindex: linkIndex(link), handle: TC_H.INGRESS_HANDLE, parent: TC_H.INGRESS }),
    attrs: [stringAttr(TCA.KIND, spec.kind)],
  };
}

/**
 * Adds a qdisc; EEXIST when its place is taken.
 * Equivalent to: `tc qdisc add dev $link root handle $h: tbf rate $r burst $b latency $l`, `tc qdisc add dev $link ingress|clsact`
 */
export function qdiscAdd(h: RtnlHandle, link: LinkRef, spec: QdiscSpec, tick: TickInUsec): void {
  const r = qdiscRequest(link, spec, tick);
  h.request({ type: RTM.NEWQDISC, flags: NLM_F.CREATE | NLM_F.EXCL, ...r }, `add ${spec.kind} qdisc to ${linkLabel(link)}`, linkLabel(link));
}

/** Adds a qdisc or replaces the one in its place. Equivalent to: `tc qdisc replace dev $link root handle $h: tbf ...` */
export function qdiscReplace(h: RtnlHandle, link: LinkRef, spec: QdiscSpec, tick: TickInUsec): void {
  const r = qdiscRequest(link, spec, tick);
  h.request({ type: RTM.NEWQDISC, flags: NLM_F.CREATE | NLM_F.REPLACE, ...r }, `replace ${spec.kind} qdisc of ${linkLabel(link)}`, linkLabel(link));
}

/**
 * Deletes the root qdisc (the kernel puts its default back), or the ingress/clsact qdisc with
 * its filters; ENOENT/EINVAL when there is none.
 * Equivalent to: `tc qdisc del dev $link root`, `tc qdisc del dev $link ingress`
 */
export function qdiscDel(h: RtnlHandle, link: LinkRef, place: "root" | { ingress: "ingress" | "clsact" }): void {
  const req = place === "root"
    ? { body: tcMsg({ ifindex: linkIndex(link), parent: TC_H.ROOT }), attrs: [] }
    : { body: tcMsg({ ifindex: linkIndex(link), handle: TC_H.INGRESS_HANDLE, parent: TC_H.INGRESS }), attrs: [stringAttr(TCA.KIND, place.ingress)] };
  const what = place === "root" ? "root" : place.ingress;
  h.request({ type: RTM.DELQDISC, flags: 0, ...req }, `delete ${what} qdisc of ${linkLabel(link)}`, linkLabel(link));
}

/** The qdiscs of one link. Equivalent to: `tc qdisc show dev $link` */
export function qdiscList(h: RtnlHandle, link: LinkRef, tick: TickInUsec): Qdisc[] {
  const req = { type: RTM.GETQDISC, flags: NLM_F.DUMP, body: tcMsg({ ifindex: linkIndex(link) }), attrs: [] };
  return h.request(req, `list qdiscs of ${linkLabel(link)}`, linkLabel(link))
    .filter((m) => m.header.type === RTM.NEWQDISC)
    .map(parseTcMsg)
    // A dump ignores tcm_ifindex on older kernels: keep only this link's.
    .filter((q) => q.ifindex === linkIndex(link))
    .map((q) => {
      const tbf = q.kind === "tbf" ? parseTbf(q.attrs.nested(TCA.OPTIONS), tick) : undefined;
      return { kind: q.kind, handle: q.handle, parent: q.parent, ...(tbf !== undefined && { tbf }) };
    });
}

/**
 * Puts back a qdisc a dump reported, in its place (a tbf only: other kinds' settings are not
 * read). Equivalent to: `tc qdisc replace dev $link root handle $h tbf ...` with its old values
 */
export function qdiscRestore(h: RtnlHandle, link: LinkRef, q: Qdisc): void {
  if (q.kind !== "tbf" || q.tbf === undefined || q.parent !== TC_H.ROOT) {
    throw new Error(`the ${q.kind} qdisc of ${linkLabel(link)} was replaced and cannot be put back: only a root tbf can`);
  }
  const body = tcMsg({ ifindex: linkIndex(link), handle: q.handle, parent: TC_H.ROOT });
  h.request({ type: RTM.NEWQDISC, flags: NLM_F.CREATE | NLM_F.REPLACE, body, attrs: [stringAttr(TCA.KIND, "tbf"), tbfRestoreOptions(q.tbf)] },
    `put back the tbf qdisc of ${linkLabel(link)}`, linkLabel(link));
}
