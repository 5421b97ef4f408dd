import type * as LinkCaps from "../generated/interfaces/cni-host-link";
import type { Link } from "../kernel/rtnl/ifinfo";
import type { Attr } from "../kernel/nl/attr";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { dummyLinkInfo } from "../kernel/rtnl/kinds/dummy";
import { ipvlanLinkInfo } from "../kernel/rtnl/kinds/ipvlan";
import { macvlanLinkInfo } from "../kernel/rtnl/kinds/macvlan";
import { VLAN_ID_MAX, vlanLinkInfo } from "../kernel/rtnl/kinds/vlan";
import { LinkNotFoundError } from "../kernel/errors";
import { tapAdd } from "../kernel/tuntap";
import { bridgeVlanAdd, bridgeVlanDel, bridgeVlanList, type PortVlan, portVlanProblem } from "../kernel/rtnl/bridge-vlan";
import { linkAdd, linkAddBridge, linkAddVeth, linkByName, linkDel, linkDelByName, linkList } from "../kernel/rtnl/link";
import {
  linkSetAlias, linkSetBridgePort, linkSetDown, linkSetMac, linkSetMaster, linkSetMtu, linkSetName, linkSetNetns, linkSetNoMaster,
  linkSetPromisc, linkSetUp,
} from "../kernel/rtnl/link-set";
import { type CallContext, hostCall } from "./context";
import { CapError, denied, invalid } from "./errors";
import { ownerAlias, scopeOf } from "./scope";

/** An interface name the kernel accepts (IFNAMSIZ, dev_valid_name): 1-15 bytes, no "/", ":" or space. */
export function checkLinkName(name: string): void {
  if (!/^[^/:\s]{1,15}$/.test(name) || name === "." || name === ".." || Buffer.byteLength(name) > 15) {
    throw invalid(`${JSON.stringify(name)} is not a valid interface name (1-15 bytes, no "/", ":" or spaces)`);
  }
}

function toInfo(l: Link): LinkCaps.LinkInfo {
  return {
    index: l.index, name: l.name, kind: l.kind, mtu: l.mtu, mac: l.mac, up: l.up, promisc: l.promisc,
    master: l.master, peerIndex: l.peer, alias: l.alias, parentBus: l.parentBus, parentDev: l.parentDev, ...l.data,
  };
}

/** The parent (by name, and its netns id) and IFLA_LINKINFO of a kind made by linkAdd; null for veth and bridge. */
function kindInfo(kind: LinkCaps.LinkKind): { parent?: { name: string; ns: number }; linkInfo: Attr } | null {
  switch (kind.tag) {
    case "macvlan": {
      const { parent, parentNs, mode, bcQueueLen } = kind.val;
      return { parent: { name: parent, ns: parentNs }, linkInfo: macvlanLinkInfo({ mode, ...(bcQueueLen !== undefined && { bcQueueLen }) }) };
    }
    case "ipvlan": {
      const { parent, parentNs, mode, isolation } = kind.val;
      return { parent: { name: parent, ns: parentNs }, linkInfo: ipvlanLinkInfo({ mode, isolation }) };
    }
    case "vlan": {
      const { parent, parentNs, id } = kind.val;
      if (id > VLAN_ID_MAX) throw invalid(`VLAN id ${id} is out of range (0-${VLAN_ID_MAX})`);
      return { parent: { name: parent, ns: parentNs }, linkInfo: vlanLinkInfo({ id }) };
    }
    case "dummy":
      return { linkInfo: dummyLinkInfo() };
    default:
      return null;
  }
}

/**
 * cni:host/link — links of the namespaces the plugin holds. In the host netns only links in its
 * scope (scope.ts: created by it, or named by its config); kinds only from its grant's linkKinds.
 */
export function createLinkCaps(ctx: CallContext): typeof LinkCaps {
  const scope = scopeOf(ctx);
  const rtnl = (ns: number) => scope.rtnl(ns);
  return {
    list: hostCall(ctx, "link.list", (ns: number) => linkList(rtnl(ns)).map(toInfo)),

    get: hostCall(ctx, "link.get", (ns: number, name: string) => {
      checkLinkName(name);
      return toInfo(linkByName(rtnl(ns), name));
    }),

    create: hostCall(ctx, "link.create", (ns: number, spec: LinkCaps.LinkSpec) => {
      if (!ctx.grant.linkKinds.includes(spec.kind.tag)) {
        throw denied(`plugin "${ctx.plugin}" may not create a ${spec.kind.tag} link (its grant's linkKinds: ${ctx.grant.linkKinds.join(", ") || "none"})`);
      }
      const info = createLink(ns, spec);
      ctx.journal.record(linkStep(ns, spec.name), () => undoCreate(rtnl(ns), spec.name, spec.kind.tag === "bridge"));
      return info;
    }),

    set: hostCall(ctx, "link.set", (ns: number, name: string, change: LinkCaps.LinkChange) => {
      checkLinkName(name);
      checkSetScope(ns, name, change);
      const before = ctx.journal.enabled ? linkByName(rtnl(ns), name) : undefined; // one more get, ADD only
      const ours = ctx.journal.has(linkStep(ns, name));
      const info = setLink(ns, name, change);
      const now = change.netns ?? ns;
      const movedOrRenamed = now !== ns || info.name !== name;
      if (movedOrRenamed) ctx.journal.retarget(linkStep(ns, name), linkStep(now, info.name));
      if (info.name !== name && now === ns) scope.renamed(name, info.name);
      // A link this call made is deleted by its own undo; any other one (host-device's) goes home.
      const home = movedOrRenamed && !ours ? rtnl(ns) : undefined;
      if (before) ctx.journal.record(`restore link ${info.name} (ns ${now})`, () => restoreLink(rtnl(now), info.name, before, change, home));
      return info;
    }),

    setPort: hostCall(ctx, "link.set-port", (ns: number, name: string, change: LinkCaps.PortChange) => {
      checkLinkName(name);
      scope.requireLink(ns, name, "change the bridge-port flags of");
      const h = rtnl(ns);
      linkSetBridgePort(h, linkByName(h, name), {
        ...(change.hairpin !== undefined && { hairpin: change.hairpin }),
        ...(change.learning !== undefined && { learning: change.learning }),
        ...(change.isolated !== undefined && { isolated: change.isolated }),
      });
    }),

    addPortVlans: hostCall(ctx, "link.add-port-vlans", (ns: number, name: string, vlans: LinkCaps.PortVlan[]) => {
      const { h, port, list } = portVlans(ns, name, vlans, "change the VLANs of");
      for (const v of list) {
        bridgeVlanAdd(h, port, v);
        ctx.journal.record(`bridge vlan add ${name} (ns ${ns}) vid ${v.id}`, () => bridgeVlanDel(rtnl(ns), linkByName(rtnl(ns), name), v));
      }
    }),

    removePortVlans: hostCall(ctx, "link.remove-port-vlans", (ns: number, name: string, vlans: LinkCaps.PortVlan[]) => {
      const { h, port, list } = portVlans(ns, name, vlans, "change the VLANs of");
      for (const v of list) {
        bridgeVlanDel(h, port, v);
        ctx.journal.record(`bridge vlan del ${name} (ns ${ns}) vid ${v.id}`, () => bridgeVlanAdd(rtnl(ns), linkByName(rtnl(ns), name), v));
      }
    }),

    portVlans: hostCall(ctx, "link.port-vlans", (ns: number, name: string): LinkCaps.PortVlan[] => {
      checkLinkName(name);
      const h = rtnl(ns);
      return bridgeVlanList(h, linkByName(h, name)).map((v) => ({
        id: v.id, ...(v.last !== undefined && { last: v.last }), pvid: v.pvid ?? false, untagged: v.untagged ?? false,
      }));
    }),

    delete: hostCall(ctx, "link.delete", (ns: number, name: string) => {
      checkLinkName(name);
      scope.requireLink(ns, name, "delete");
      linkDelByName(rtnl(ns), name);
    }),
  };

  /**
   * The port (in scope in the host netns) and the VLANs, all checked before the first request,
   * so that an invalid entry changes nothing.
   */
  function portVlans(ns: number, name: string, vlans: LinkCaps.PortVlan[], what: string) {
    checkLinkName(name);
    scope.requireLink(ns, name, what);
    const list: PortVlan[] = vlans.map((v) => ({
      id: v.id, ...(v.last !== undefined && { last: v.last }), pvid: v.pvid, untagged: v.untagged,
    }));
    for (const v of list) {
      const problem = portVlanProblem(v);
      if (problem !== null) throw invalid(problem);
    }
    const h = rtnl(ns);
    return { h, port: linkByName(h, name), list };
  }

  /**
   * The scope rules of link.set: in the host netns the link, and a new master, must be in
   * scope; a link that moves into the host netns may not bring an owner mark with it.
   */
  function checkSetScope(ns: number, name: string, change: LinkCaps.LinkChange): void {
    const now = change.netns ?? ns;
    if (scope.isHost(ns)) scope.requireLink(ns, name, change.netns !== undefined && change.netns !== ns ? "move" : "change");
    if (!scope.isHost(now)) return;
    scope.checkAlias(now, change);
    if (change.master !== undefined && change.master !== "") {
      checkLinkName(change.master);
      scope.requireLink(now, change.master, "enslave a link to");
    }
    if (now !== ns && change.alias === undefined) {
      const arriving = linkByName(rtnl(ns), name);
      if (!scope.owns(arriving)) scope.checkAlias(now, arriving);
    }
  }

  /**
   * Makes the link, then, in the host netns, marks what was made there as this plugin's
   * (the alias): a link made in the host netns, or a veth peer placed there.
   */
  function createLink(ns: number, spec: LinkCaps.LinkSpec): LinkCaps.LinkInfo {
    const info = makeLink(ns, spec);
    const mark = ownerAlias(ctx.plugin);
    if (scope.isHost(ns)) {
      linkSetAlias(rtnl(ns), info, mark);
      scope.adopt(info.name);
      info.alias = mark;
    }
    if (spec.kind.tag === "veth" && scope.isHost(spec.kind.val.ns)) {
      const h = rtnl(spec.kind.val.ns);
      const peer = spec.kind.val.ns !== ns && info.peerIndex !== 0 ? info.peerIndex : linkByName(h, spec.kind.val.name);
      linkSetAlias(h, peer, mark);
      scope.adopt(spec.kind.val.name);
    }
    return info;
  }

  function makeLink(ns: number, spec: LinkCaps.LinkSpec): LinkCaps.LinkInfo {
      checkLinkName(spec.name);
      const h = rtnl(ns);
      const common = { name: spec.name, ...(spec.mtu !== undefined && { mtu: spec.mtu }), ...(spec.mac !== undefined && { mac: spec.mac }) };
      const made = kindInfo(spec.kind);
      if (made?.parent) {
        // Sent in the parent's netns (IFLA_LINK is resolved there), made in ns (IFLA_NET_NS_FD).
        checkLinkName(made.parent.name);
        scope.requireLink(made.parent.ns, made.parent.name, "make a link on", true);
        const from = rtnl(made.parent.ns);
        return toInfo(linkAdd(from, { ...common, linkInfo: made.linkInfo, parent: linkByName(from, made.parent.name) }, h));
      }
      if (made) return toInfo(linkAdd(h, { ...common, linkInfo: made.linkInfo }));
      switch (spec.kind.tag) {
        case "tap": {
          const { multiQueue, vnetHdr, owner, group } = spec.kind.val;
          tapAdd(scope.netns(ns), {
            name: spec.name, multiQueue, vnetHdr, ...(owner !== undefined && { owner }), ...(group !== undefined && { group }),
          });
          // The tun ioctls take neither: set them as `ip link set` would (undo deletes the tap).
          const tap = linkByName(h, spec.name);
          if (spec.mtu !== undefined) linkSetMtu(h, tap, spec.mtu);
          if (spec.mac !== undefined) linkSetMac(h, tap, spec.mac);
          return toInfo(linkByName(h, spec.name));
        }
        case "veth": {
          const peer = spec.kind.val;
          checkLinkName(peer.name);
          return toInfo(linkAddVeth(h, {
            ...common,
            peerName: peer.name,
            peerNetns: scope.netns(peer.ns),
            ...(peer.mac !== undefined && { peerMac: peer.mac }),
          }));
        }
        case "bridge": {
          const vf = spec.kind.val.vlanFiltering;
          return toInfo(linkAddBridge(h, { ...common, ...(vf !== undefined && { vlanFiltering: vf }) }));
        }
        default:
          throw new Error(`link.create: no case for kind ${spec.kind.tag}`);
      }
  }

  function setLink(ns: number, name: string, change: LinkCaps.LinkChange): LinkCaps.LinkInfo {
      if (change.name !== undefined) checkLinkName(change.name);
      const moved = moveOrRename(rtnl(ns), name, change, change.netns !== undefined ? rtnl(change.netns) : undefined);
      const h = moved.h;
      name = moved.name;
      const link = linkByName(h, name);
      // Order as `ip link set` applies it: attributes first, up last, so a link comes up configured.
      if (change.mtu !== undefined) linkSetMtu(h, link, change.mtu);
      if (change.mac !== undefined) linkSetMac(h, link, change.mac);
      if (change.alias !== undefined) linkSetAlias(h, link, change.alias);
      if (change.promisc !== undefined) linkSetPromisc(h, link, change.promisc);
      if (change.master === "") linkSetNoMaster(h, link);
      else if (change.master !== undefined) {
        checkLinkName(change.master);
        linkSetMaster(h, link, linkByName(h, change.master));
      }
      if (change.up === true) linkSetUp(h, link);
      if (change.up === false) linkSetDown(h, link);
      return toInfo(linkByName(h, name));
  }
}

function linkExists(h: RtnlHandle, name: string): boolean {
  try {
    linkByName(h, name);
    return true;
  } catch (e) {
    if (e instanceof LinkNotFoundError) return false;
    throw e;
  }
}

/** The journal's name for a link made in this call; link.set retargets it on rename or move. */
const linkStep = (ns: number, name: string): string => `link.create ${name} (ns ${ns})`;

/**
 * Removes a link this call made (a veth pair goes with either end). A bridge is kept when
 * another call has already enslaved a port to it: it is shared by then.
 */
function undoCreate(h: RtnlHandle, name: string, isBridge: boolean): void {
  const link = linkByName(h, name);
  if (isBridge && linkList(h).some((l) => l.master === link.index)) return;
  linkDel(h, link);
}

/**
 * Puts back what link.set changed. A link this call made is deleted by its own undo; one it
 * did not make (`home` given) first goes back to `home` under its old name, in one request.
 */
function restoreLink(h: RtnlHandle, name: string, before: Link, change: LinkCaps.LinkChange, home?: RtnlHandle): void {
  let link = linkByName(h, name);
  if (home !== undefined) {
    if (home !== h) linkSetNetns(h, link, home.ns, before.name);
    else {
      if (link.up) linkSetDown(h, link);
      linkSetName(h, link, before.name);
    }
    h = home;
    link = linkByName(h, before.name);
  }
  // A move takes the link down: its up state is restored whatever the change said.
  if ((change.up !== undefined || home !== undefined) && before.up !== link.up) (before.up ? linkSetUp : linkSetDown)(h, link);
  if (change.master !== undefined && before.master !== link.master) {
    if (before.master === 0) linkSetNoMaster(h, link);
    else linkSetMaster(h, link, before.master);
  }
  if (change.promisc !== undefined && before.promisc !== link.promisc) linkSetPromisc(h, link, before.promisc);
  if (change.alias !== undefined && before.alias !== link.alias) linkSetAlias(h, link, before.alias);
  if (change.mtu !== undefined && before.mtu !== link.mtu) linkSetMtu(h, link, before.mtu);
  if (change.mac !== undefined && before.mac !== "" && before.mac !== link.mac) linkSetMac(h, link, before.mac);
}

/**
 * The netns and name part of link.set: a move (the link arrives down) with its new name in one
 * request, after checking the name is free there, so a failure leaves the link where it was;
 * a rename in place takes the link down first. Returns the handle and name the other changes
 * apply to. Equivalent to: `ip link set $name netns $ns name $new`
 */
function moveOrRename(h: RtnlHandle, name: string, change: LinkCaps.LinkChange, to: RtnlHandle | undefined): { h: RtnlHandle; name: string } {
  if (to !== undefined && to !== h) {
    const link = linkByName(h, name);
    const newName = change.name ?? name;
    if (linkExists(to, newName)) {
      throw new CapError({ tag: "exists", val: `move ${name} to netns ${to.ns.path} as ${newName}: a link ${newName} is there already` });
    }
    linkSetNetns(h, link, to.ns, change.name);
    return { h: to, name: newName };
  }
  if (change.name !== undefined && change.name !== name) {
    const link = linkByName(h, name);
    if (link.up) linkSetDown(h, link);
    linkSetName(h, link, change.name);
    name = change.name;
  }
  return { h, name };
}
