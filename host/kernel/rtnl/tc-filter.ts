// Filters on a link's ingress hook (like netlink's filter_linux.go), reduced to the one the
// reference bandwidth plugin uses: u32 matching every packet, with a mirred action that
// sends it to another link's egress (act_mirred).
import { bytesAttr, nestedAttr, NLA_F_NESTED, parseAttrs, stringAttr, type AttrSet } from "../nl/attr";
import { readI32, readU32, StructWriter } from "../nl/bytes";
import { NLM_F } from "../nl/header";
import type { RtnlHandle } from "./handle";
import { type LinkRef, linkIndex, linkLabel } from "./link";
import { RTM } from "./message-types";
import { ETH_P_ALL, filterInfo, parseTcMsg, TC_H, TCA, tcMsg } from "./tc-msg";

const TCA_U32 = { ACT: 7, SEL: 5 } as const;
const TCA_ACT = { KIND: 1, OPTIONS: 2 } as const;
const TCA_MIRRED_PARMS = 2;
const TC_U32_TERMINAL = 1;
const TC_ACT = { PIPE: 3, STOLEN: 4 } as const;
const TCA_EGRESS = { REDIR: 1, MIRROR: 2 } as const;

/** A redirect (or mirror) of everything arriving on a link to `to`'s egress. */
export interface Redirect {
  /** Ifindex of the link that gets the packets, in the same netns. */
  to: number;
  priority: number;
  mirror: boolean;
}

/** struct tc_u32_sel with one key matching everything (`match u32 0 0`), terminal. */
function matchAll(): Uint8Array {
  return new StructWriter(32).u8(0, TC_U32_TERMINAL).u8(2, 1).bytes;
}

/** struct tc_mirred: tc_gen (index, capab, action, refcnt, bindcnt), eaction, ifindex. */
function mirredParms(r: Redirect): Uint8Array {
  return new StructWriter(28)
    .i32(8, r.mirror ? TC_ACT.PIPE : TC_ACT.STOLEN)
    .i32(20, r.mirror ? TCA_EGRESS.MIRROR : TCA_EGRESS.REDIR)
    .u32(24, r.to).bytes;
}

/**
 * Adds the filter at `priority` on the ingress hook (an ingress or clsact qdisc must be there);
 * EEXIST when that priority holds one already.
 * Equivalent to: `tc filter add dev $link ingress protocol all prio $prio u32 match u32 0 0 action mirred egress redirect|mirror dev $to`
 */
export function redirectAdd(h: RtnlHandle, link: LinkRef, r: Redirect): void {
  const action = nestedAttr(1, [
    stringAttr(TCA_ACT.KIND, "mirred"),
    nestedAttr(TCA_ACT.OPTIONS | NLA_F_NESTED, [bytesAttr(TCA_MIRRED_PARMS, mirredParms(r))]),
  ]);
  const options = nestedAttr(TCA.OPTIONS, [nestedAttr(TCA_U32.ACT, [action]), bytesAttr(TCA_U32.SEL, matchAll())]);
  const body = tcMsg({ ifindex: linkIndex(link), parent: TC_H.INGRESS_BLOCK, info: filterInfo(r.priority, ETH_P_ALL) });
  h.request(
    { type: RTM.NEWTFILTER, flags: NLM_F.CREATE | NLM_F.EXCL, body, attrs: [stringAttr(TCA.KIND, "u32"), options] },
    `add ingress filter prio ${r.priority} of ${linkLabel(link)} redirecting to ifindex ${r.to}`, linkLabel(link),
  );
}

/** Deletes the filters of one priority of the ingress hook. Equivalent to: `tc filter del dev $link ingress prio $prio` */
export function filterDel(h: RtnlHandle, link: LinkRef, priority: number): void {
  const body = tcMsg({ ifindex: linkIndex(link), parent: TC_H.INGRESS_BLOCK, info: filterInfo(priority, 0) });
  h.request({ type: RTM.DELTFILTER, flags: 0, body, attrs: [] }, `delete ingress filter prio ${priority} of ${linkLabel(link)}`, linkLabel(link));
}

/** A filter of the ingress hook as a dump reports it; `redirect` when it is a u32 with a mirred action. */
export interface IngressFilter {
  kind: string;
  priority: number;
  redirect?: Redirect;
}

/** The mirred action of a u32 filter's options, if it has one. */
function mirredOf(options: AttrSet | undefined, priority: number): Redirect | undefined {
  const acts = options?.nested(TCA_U32.ACT);
  for (const a of acts?.entries ?? []) {
    const act = parseAttrs(a.value);
    if (act.string(TCA_ACT.KIND) !== "mirred") continue;
    const p = act.nested(TCA_ACT.OPTIONS)?.get(TCA_MIRRED_PARMS);
    if (p === undefined || p.length < 28) continue;
    const eaction = readI32(p, 20);
    if (eaction !== TCA_EGRESS.REDIR && eaction !== TCA_EGRESS.MIRROR) continue;
    return { to: readU32(p, 24), priority, mirror: eaction === TCA_EGRESS.MIRROR };
  }
  return undefined;
}

/**
 * The filters of the ingress hook (a link without an ingress or clsact qdisc has none: EINVAL
 * from the kernel is read as none). Equivalent to: `tc filter show dev $link ingress`
 */
export function ingressFilters(h: RtnlHandle, link: LinkRef): IngressFilter[] {
  const body = tcMsg({ ifindex: linkIndex(link), parent: TC_H.INGRESS_BLOCK });
  const msgs = h.request({ type: RTM.GETTFILTER, flags: NLM_F.DUMP, body, attrs: [] }, `list ingress filters of ${linkLabel(link)}`, linkLabel(link));
  return msgs
    .filter((m) => m.header.type === RTM.NEWTFILTER)
    .map(parseTcMsg)
    .filter((f) => f.handle !== 0) // the per-priority header entries a u32 dump starts with
    .map((f) => {
      const priority = f.info >>> 16;
      const redirect = f.kind === "u32" ? mirredOf(f.attrs.nested(TCA.OPTIONS), priority) : undefined;
      return { kind: f.kind, priority, ...(redirect !== undefined && { redirect }) };
    });
}
