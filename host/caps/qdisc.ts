import type * as QdiscCaps from "../generated/interfaces/cni-host-qdisc";
import type { Link } from "../kernel/rtnl/ifinfo";
import { linkByIndex, linkByName } from "../kernel/rtnl/link";
import {
  type Qdisc, qdiscAdd, qdiscDel, qdiscList, qdiscReplace, qdiscRestore, type QdiscSpec, type Tbf, tbfProblem, type TickInUsec, tickInUsec,
} from "../kernel/rtnl/qdisc";
import { filterDel, ingressFilters, redirectAdd } from "../kernel/rtnl/tc-filter";
import { TC_H } from "../kernel/rtnl/tc-msg";
import { LinkNotFoundError } from "../kernel/errors";
import { type CallContext, hostCall } from "./context";
import { denied, invalid, notFound } from "./errors";
import { checkLinkName } from "./link";
import { scopeOf } from "./scope";

type Place = "root" | "ingress";

/** The qdisc of `place` among a link's, if any. A root qdisc with handle 0: is the kernel's default. */
function inPlace(list: Qdisc[], place: Place): Qdisc | undefined {
  return list.find((q) => q.parent === (place === "root" ? TC_H.ROOT : TC_H.INGRESS));
}

/** The WIT qdisc-kind as the kernel module takes it, checked first: `invalid` before any kernel call. */
function toSpec(kind: QdiscCaps.QdiscKind, tick: TickInUsec): QdiscSpec {
  if (kind.tag !== "tbf") return { kind: kind.tag };
  const t = kind.val;
  if (!Number.isInteger(t.handle) || t.handle < 1 || t.handle > 0xfffe) throw invalid(`tbf handle ${t.handle} is outside 1..65534`);
  const tbf: Tbf = {
    rate: t.rate, burst: t.burst,
    ...(t.queue.tag === "latency-us" ? { latencyUs: t.queue.val } : { limit: t.queue.val }),
    ...(t.peakrate !== undefined && { peakrate: t.peakrate }),
    ...(t.mtu !== undefined && { mtu: t.mtu }),
  };
  const problem = tbfProblem(tbf, tick);
  if (problem !== null) throw invalid(problem);
  return { kind: "tbf", handle: t.handle, tbf };
}

const placeOf = (spec: QdiscSpec): Place => (spec.kind === "tbf" ? "root" : "ingress");

/** The kernel's own root qdisc (noqueue, pfifo_fast, mq, ...): handle 0:, made again when the root is deleted. */
const isDefault = (q: Qdisc): boolean => q.parent === TC_H.ROOT && q.handle >>> 16 === 0;

/**
 * True when the journal can put back `before` after a replace by `kind`: the kernel's default,
 * a root tbf (from its dump), or the same ingress qdisc (a replace leaves it and its filters).
 */
function restorable(before: Qdisc, kind: QdiscSpec["kind"], place: Place): boolean {
  if (place === "ingress") return before.kind === kind;
  return isDefault(before) || (before.kind === "tbf" && before.tbf !== undefined);
}

/**
 * cni:host/qdisc — tc qdiscs and ingress redirects on links in the plugin's scope: in the
 * container's netns any link; in the host netns only links the plugin owns or the host end of
 * the container's veth (scope.ts requireTcLink). Values are checked before any kernel call;
 * within an ADD every change is journalled, and a delete takes only what this call added.
 */
export function createQdiscCaps(ctx: CallContext): typeof QdiscCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);
  let tick: TickInUsec | undefined;
  const ticks = (): TickInUsec => (tick ??= tickInUsec());
  /** What this instance added in this call ("ns/link/root", "ns/link/prio 1"): a delete during ADD takes only these. */
  const added = new Set<string>();
  const key = (ns: number, link: string, what: string) => `${ns}/${link}/${what}`;

  /** The link, after its name and its scope are checked. */
  function target(ns: number, name: string, action: string): Link {
    checkLinkName(name);
    return scope.requireTcLink(ns, name, action) ?? linkByName(rtnl(ns), name);
  }

  /** During ADD, a delete may take only what this call added: anything else a failed ADD could not put back. */
  function checkDeleteDuringAdd(ns: number, link: string, what: string): void {
    if (ctx.journal.enabled && !added.has(key(ns, link, what))) {
      throw denied(`plugin "${ctx.plugin}" may not delete ${what} of ${link} during ADD: it was not added by this call, and a failed ADD could not put it back`);
    }
  }

  function put(ns: number, name: string, kind: QdiscCaps.QdiscKind, replace: boolean): void {
    const spec = toSpec(kind, ticks());
    const link = target(ns, name, `${replace ? "replace" : "add"} a qdisc of`);
    const h = rtnl(ns);
    const place = placeOf(spec);
    const before = replace && ctx.journal.enabled ? inPlace(qdiscList(h, link, ticks()), place) : undefined;
    if (before !== undefined && !restorable(before, spec.kind, place)) {
      throw denied(`plugin "${ctx.plugin}" may not replace the ${before.kind} qdisc of ${name} during ADD: a failed ADD could not put it back (only the kernel's default, a root tbf or the same ingress qdisc can be)`);
    }
    (replace ? qdiscReplace : qdiscAdd)(h, link, spec, ticks());
    added.add(key(ns, name, place));
    const what = `qdisc.${replace ? "replace" : "add"} ${spec.kind} ${name} (ns ${ns})`;
    const ours = spec.kind === "tbf" ? "root" : { ingress: spec.kind };
    ctx.journal.record(what, () => {
      const now = linkByName(rtnl(ns), name);
      if (inPlace(qdiscList(rtnl(ns), now, ticks()), place)?.kind !== spec.kind) return; // deleted since: nothing to undo
      if (before === undefined || isDefault(before)) qdiscDel(rtnl(ns), now, ours); // the kernel's default comes back
      else if (place === "root") qdiscRestore(rtnl(ns), now, before);
      // else the same ingress qdisc as before, filters and all: nothing changed
    });
  }

  return {
    list: hostCall(ctx, "qdisc.list", (ns: number, name: string): QdiscCaps.QdiscInfo[] => {
      checkLinkName(name);
      const h = rtnl(ns);
      return qdiscList(h, linkByName(h, name), ticks()).map((q) => ({
        kind: q.kind, handle: q.handle, parent: q.parent,
        ...(q.tbf !== undefined && { tbf: { rate: q.tbf.rate, burst: q.tbf.burst, limit: q.tbf.limit, peakrate: q.tbf.peakrate } }),
      }));
    }),

    add: hostCall(ctx, "qdisc.add", (ns: number, name: string, kind: QdiscCaps.QdiscKind) => put(ns, name, kind, false)),

    replace: hostCall(ctx, "qdisc.replace", (ns: number, name: string, kind: QdiscCaps.QdiscKind) => put(ns, name, kind, true)),

    delete: hostCall(ctx, "qdisc.delete", (ns: number, name: string, place: QdiscCaps.QdiscPlace) => {
      if (place !== "root" && place !== "ingress") throw invalid(`qdisc place ${JSON.stringify(place)} is neither root nor ingress`);
      const link = target(ns, name, "delete a qdisc of");
      checkDeleteDuringAdd(ns, name, place);
      const h = rtnl(ns);
      const q = inPlace(qdiscList(h, link, ticks()), place);
      if (q === undefined || isDefault(q)) throw notFound(`link ${name} has no ${place} qdisc of its own`);
      qdiscDel(h, link, place === "root" ? "root" : { ingress: q.kind === "clsact" ? "clsact" : "ingress" });
      added.delete(key(ns, name, place)); // its own add step finds it gone, which counts as undone
    }),

    addRedirect: hostCall(ctx, "qdisc.add-redirect", (ns: number, name: string, r: QdiscCaps.Redirect) => {
      if (!Number.isInteger(r.priority) || r.priority < 1 || r.priority > 0xffff) throw invalid(`filter priority ${r.priority} is outside 1..65535`);
      if (r.to === name) throw invalid(`a redirect of ${name} to itself would loop its traffic`);
      const link = target(ns, name, "redirect the traffic of");
      const to = target(ns, r.to, "redirect traffic to");
      redirectAdd(rtnl(ns), link, { to: to.index, priority: r.priority, mirror: r.mirror });
      added.add(key(ns, name, `prio ${r.priority}`));
      ctx.journal.record(`qdisc.add-redirect ${name} prio ${r.priority} (ns ${ns})`, () => filterDel(rtnl(ns), linkByName(rtnl(ns), name), r.priority));
    }),

    redirects: hostCall(ctx, "qdisc.redirects", (ns: number, name: string): QdiscCaps.Redirect[] => {
      checkLinkName(name);
      const h = rtnl(ns);
      return ingressFilters(h, linkByName(h, name)).flatMap((f) => {
        if (f.redirect === undefined) return [];
        let to = "";
        try {
          to = linkByIndex(h, f.redirect.to).name;
        } catch (e) {
          if (!(e instanceof LinkNotFoundError)) throw e; // its target is gone: "" says so
        }
        return [{ to, priority: f.priority, mirror: f.redirect.mirror }];
      });
    }),

    deleteRedirect: hostCall(ctx, "qdisc.delete-redirect", (ns: number, name: string, priority: number) => {
      if (!Number.isInteger(priority) || priority < 1 || priority > 0xffff) throw invalid(`filter priority ${priority} is outside 1..65535`);
      const link = target(ns, name, "delete a filter of");
      checkDeleteDuringAdd(ns, name, `prio ${priority}`);
      const h = rtnl(ns);
      if (!ingressFilters(h, link).some((f) => f.priority === priority)) throw notFound(`link ${name} has no ingress filter of priority ${priority}`);
      filterDel(h, link, priority);
      added.delete(key(ns, name, `prio ${priority}`));
    }),
  };
}
