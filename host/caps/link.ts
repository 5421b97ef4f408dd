import type * as LinkCaps from "../generated/interfaces/cni-host-link";
import type { Link } from "../kernel/rtnl/ifinfo";
import type { Attr } from "../kernel/nl/attr";
import type { RtnlHandle } from "../kernel/rtnl/handle";
import { dummyLinkInfo } from "../kernel/rtnl/kinds/dummy";
import { ifbLinkInfo } from "../kernel/rtnl/kinds/ifb";
import { ipvlanLinkInfo } from "../kernel/rtnl/kinds/ipvlan";
import { macvlanLinkInfo } from "../kernel/rtnl/kinds/macvlan";
import { VLAN_ID_MAX, vlanLinkInfo } from "../kernel/rtnl/kinds/vlan";
import { vrfLinkInfo } from "../kernel/rtnl/kinds/vrf";
import { VXLAN_VNI_MAX, vxlanLinkInfo } from "../kernel/rtnl/kinds/vxlan";
import { KernelError, LinkNotFoundError } from "../kernel/errors";
import { tapAdd } from "../kernel/tuntap";
import { bridgeVlanAdd, bridgeVlanDel, bridgeVlanList, type PortVlan, portVlanProblem } from "../kernel/rtnl/bridge-vlan";
import { type Addr, addrList, addrRestore } from "../kernel/rtnl/addr";
import { linkAdd, linkAddBridge, linkAddVeth, linkByIndex, linkByName, linkDel, linkDelByName, linkList } from "../kernel/rtnl/link";
import {
  linkSetAlias, linkSetBridgePort, linkSetDown, linkSetMac, linkSetMaster, linkSetMtu, linkSetName, linkSetNetns, linkSetNoMaster,
  linkSetAllmulti, linkSetPromisc, linkSetTxqlen, linkSetUp,
} from "../kernel/rtnl/link-set";
import { type CallContext, hostCall } from "./context";
import { CapError, denied, invalid } from "./errors";
import { OWNER_ALIAS_PREFIX, ownerAlias, scopeOf } from "./scope";
import { checkIp, requireClusterVxlan } from "./vtep-scope";
import { restoreVxlan, snapshotVxlan } from "./vxlan-snapshot";

/**
 * An interface name the kernel takes as it is: 1-15 bytes (IFNAMSIZ), not "." or "..", no "/",
 * ":" or space (dev_valid_name), and no "%": the kernel expands a name with "%d" to the first
 * free "eth0", "eth1"... (dev_alloc_name), so the link would not be found under the name asked for.
 */
export function isLinkName(name: string): boolean {
  return /^[^/:%\s]{1,15}$/.test(name) && name !== "." && name !== ".." && Buffer.byteLength(name) <= 15;
}

/** Throws `invalid` unless isLinkName: checked before any kernel call. */
export function checkLinkName(name: string): void {
  if (!isLinkName(name)) {
    throw invalid(`${JSON.stringify(name)} is not a valid interface name (1-15 bytes, no "/", ":", "%" or spaces; the kernel would expand "%d")`);
  }
}

/**
 * The WIT record of a link; `nameOf` names a vxlan's underlay link by its ifindex (read only for
 * a vxlan that has one; "ifindex N" when it is not in this netns, so it matches no name).
 */
function toInfo(l: Link, nameOf: (index: number) => string | undefined): LinkCaps.LinkInfo {
  const { vxlan, ...data } = l.data;
  return {
    index: l.index, name: l.name, kind: l.kind, mtu: l.mtu, mac: l.mac, up: l.up, promisc: l.promisc, allmulti: l.allmulti, txqlen: l.txqlen,
    master: l.master, peerIndex: l.peer, alias: l.alias, parentBus: l.parentBus, parentDev: l.parentDev, ...data,
    ...(vxlan !== undefined && {
      vxlan: {
        vni: vxlan.vni, port: vxlan.port, learning: vxlan.learning,
        ...(vxlan.local !== "" && { local: vxlan.local }),
        ...(vxlan.underlayIndex !== 0 && { underlay: nameOf(vxlan.underlayIndex) ?? `ifindex ${vxlan.underlayIndex}` }),
      },
    }),
  };
}

/** Names links by ifindex through `h`, for toInfo. */
function namesIn(h: RtnlHandle): (index: number) => string | undefined {
  return (index) => {
    try {
      return linkByIndex(h, index).name;
    } catch (e) {
      if (e instanceof LinkNotFoundError) return undefined;
      throw e;
    }
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
    case "ifb":
      return { linkInfo: ifbLinkInfo() };
    case "vrf": {
      const { table } = kind.val;
      // The kernel takes any table but 0; main and local would put the VRF's links in the node's own tables.
      if (table === 0 || table === 254 || table === 255) throw invalid(`VRF table ${table} is not allowed (0 is no table, 254 and 255 are main and local)`);
      return { linkInfo: vrfLinkInfo({ table }) };
    }
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
    list: hostCall(ctx, "link.list", (ns: number) => {
      const links = linkList(rtnl(ns));
      const names = new Map(links.map((l) => [l.index, l.name]));
      return links.map((l) => toInfo(l, (i) => names.get(i)));
    }),

    get: hostCall(ctx, "link.get", (ns: number, name: string) => {
      checkLinkName(name);
      return info(ns, linkByName(rtnl(ns), name));
    }),

    create: hostCall(ctx, "link.create", (ns: number, spec: LinkCaps.LinkSpec) => {
      if (!ctx.grant.linkKinds.includes(spec.kind.tag)) {
        throw denied(`plugin "${ctx.plugin}" may not create a ${spec.kind.tag} link (its grant's linkKinds: ${ctx.grant.linkKinds.join(", ") || "none"})`);
      }
      checkLinkName(spec.name);
      if (spec.kind.tag === "veth") checkLinkName(spec.kind.val.name);
      const info = createLink(ns, spec);
      ctx.journal.record(linkStep(ns, spec.name), () => undoCreate(rtnl(ns), spec.name, spec.kind.tag === "bridge"));
      return info;
    }),

    set: hostCall(ctx, "link.set", (ns: number, name: string, change: LinkCaps.LinkChange) => {
      checkLinkName(name);
      if (change.name !== undefined) checkLinkName(change.name);
      if (change.master !== undefined && change.master !== "") checkLinkName(change.master);
      checkSetScope(ns, name, change);
      const before = linkByName(rtnl(ns), name); // to put back a change that fails half-way, and for the journal
      const ours = ctx.journal.has(linkStep(ns, name));
      const at = { ns, name };
      let info: LinkCaps.LinkInfo;
      try {
        info = setLink(ns, name, change, at, before);
      } catch (e) {
        // Nothing half-done: what was applied goes back (a moved or renamed link home first).
        try {
          restoreLink(rtnl(at.ns), at.name, before, change, at.ns !== ns || at.name !== name ? rtnl(ns) : undefined);
        } catch (r) {
          throw new Error(`link.set ${name} failed (${e instanceof Error ? e.message : String(e)}) and could not be put back: ${r instanceof Error ? r.message : String(r)}`, { cause: e });
        }
        throw e;
      }
      const now = change.netns ?? ns;
      const movedOrRenamed = now !== ns || info.name !== name;
      if (movedOrRenamed) ctx.journal.retarget(linkStep(ns, name), linkStep(now, info.name));
      if (info.name !== name && now === ns) scope.renamed(name, info.name);
      // A link this call made is deleted by its own undo; any other one (host-device's) goes home.
      const home = movedOrRenamed && !ours ? rtnl(ns) : undefined;
      ctx.journal.record(`restore link ${info.name} (ns ${now})`, () => restoreLink(rtnl(now), info.name, before, change, home));
      return info;
    }),

    setPort: hostCall(ctx, "link.set-port", (ns: number, name: string, change: LinkCaps.PortChange) => {
      checkLinkName(name);
      scope.requireLink(ns, name, "change the bridge-port flags of");
      const h = rtnl(ns);
      const port = linkByName(h, name);
      const flags = {
        ...(change.hairpin !== undefined && { hairpin: change.hairpin }),
        ...(change.learning !== undefined && { learning: change.learning }),
        ...(change.isolated !== undefined && { isolated: change.isolated }),
      };
      linkSetBridgePort(h, port, flags);
      // The flags it changed, as the kernel reported them before (a link that is no port has none).
      const old = port.port ?? {};
      const back = Object.fromEntries(Object.keys(flags).flatMap((k) => {
        const v = old[k as keyof typeof old];
        return v === undefined ? [] : [[k, v]];
      })) as typeof flags;
      if (Object.keys(back).length > 0) {
        ctx.journal.record(`link.set-port ${name} (ns ${ns})`, () => linkSetBridgePort(rtnl(ns), linkByName(rtnl(ns), name), back));
      }
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
      if (!ctx.journal.enabled || ctx.journal.has(linkStep(ns, name)) || scope.createdInCall(name)) {
        linkDelByName(rtnl(ns), name); // not an ADD, or made in this call: its create step has nothing left to undo
        return;
      }
      const h = rtnl(ns);
      const gone = linkByName(h, name);
      if (scope.isHost(ns)) {
        // A controller replaces its own vxlan device when its vni, port or local address change
        // (the kernel cannot change them in place): the host records the device and all that
        // goes with it from the kernel, and a failed reconcile makes it again (vxlan-snapshot.ts).
        if (ctx.cluster !== undefined && ctx.call.command === "RECONCILE" && gone.kind === "vxlan" && scope.ownsLink(ns, name)) {
          const snapshot = snapshotVxlan(h, gone);
          linkDel(h, gone);
          ctx.journal.record(`link.delete ${name} (ns ${ns})`, () => restoreVxlan(rtnl(ns), snapshot));
          return;
        }
        // Any other the journal could not put back as it was (a veth's peer is elsewhere, a
        // device's driver state is gone): an ADD or a reconcile leaves the host's links it did not make alone.
        const only = ctx.cluster !== undefined ? " (only a vxlan device can be)" : "";
        throw denied(`${scope.who} may not delete host link ${name} during ${ctx.call.command}: it was not created by this call, and a failed ${ctx.call.command} could not recreate it${only}`);
      }
      const addrs = addrList(h, gone.index);
      const ports = linkList(h).filter((l) => l.master === gone.index).map((l) => l.name);
      linkDel(h, gone);
      ctx.journal.record(`link.delete ${name} (ns ${ns})`, () => recreateLink(rtnl(ns), gone, addrs, ports));
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
    if (now !== ns) {
      // Whatever else the change holds (an alias of its own, a change that fails after the move).
      const arriving = linkByName(rtnl(ns), name);
      if (arriving.alias.startsWith(OWNER_ALIAS_PREFIX) && !scope.owns(arriving)) {
        throw denied(`plugin "${ctx.plugin}" may not move link ${name} into the host netns: it carries the owner mark ${JSON.stringify(arriving.alias)} of another plugin (scoped link ownership)`);
      }
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
      if (spec.kind.tag === "vrf") scope.requireHostVrfTable(ns, spec.name, spec.kind.val.table);
      if (made?.parent) {
        // Sent in the parent's netns (IFLA_LINK is resolved there), made in ns (IFLA_NET_NS_FD).
        checkLinkName(made.parent.name);
        scope.requireLink(made.parent.ns, made.parent.name, "make a link on", true);
        if (takesParentOver(spec.kind)) scope.requireTakeover(made.parent.ns, made.parent.name, `a ${spec.kind.tag} in ${takesParentOver(spec.kind)} mode`);
        const from = rtnl(made.parent.ns);
        return info(ns, linkAdd(from, { ...common, linkInfo: made.linkInfo, parent: linkByName(from, made.parent.name) }, h));
      }
      if (made) return info(ns, linkAdd(h, { ...common, linkInfo: made.linkInfo }));
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
          return info(ns, linkByName(h, spec.name));
        }
        case "veth": {
          const peer = spec.kind.val;
          checkLinkName(peer.name);
          return info(ns, linkAddVeth(h, {
            ...common,
            peerName: peer.name,
            peerNetns: scope.netns(peer.ns),
            ...(peer.mac !== undefined && { peerMac: peer.mac }),
          }));
        }
        case "vxlan":
          return info(ns, linkAdd(h, { ...common, linkInfo: vxlanInfo(ns, spec.name, spec.kind.val) }));
        case "bridge": {
          const vf = spec.kind.val.vlanFiltering;
          return info(ns, linkAddBridge(h, { ...common, ...(vf !== undefined && { vlanFiltering: vf }) }));
        }
        default:
          throw new Error(`link.create: no case for kind ${spec.kind.tag}`);
      }
  }

  /** The WIT record of `l`, a link of namespace `ns`. */
  function info(ns: number, l: Link): LinkCaps.LinkInfo {
    return toInfo(l, namesIn(rtnl(ns)));
  }

  /**
   * IFLA_LINKINFO of a vxlan made in `ns`, its values and scope checked first. A controller
   * (ctx.cluster) makes it only on the view's underlay link from the node's underlay address; a
   * plugin anywhere in its container's netns, and in the host netns only on an underlay in its
   * scope (its config names it, or it made it) and from an address of that underlay; in the host
   * netns never on a UDP port below 1024: a vxlan opens a UDP port on the node, and its underlay
   * decides where the node's tunnel traffic goes.
   */
  function vxlanInfo(ns: number, name: string, v: LinkCaps.VxlanAttrs): Attr {
    if (!Number.isInteger(v.vni) || v.vni < 0 || v.vni > VXLAN_VNI_MAX) throw invalid(`VXLAN VNI ${v.vni} is out of range (0-${VXLAN_VNI_MAX})`);
    const local = v.local !== undefined ? checkIp(v.local, "vxlan local address") : undefined;
    if (v.underlay !== undefined) checkLinkName(v.underlay);
    const h = rtnl(ns);
    // Its UDP socket takes the port on the node: never a privileged one (DNS, NTP, DHCP, syslog...); 0 is the kernel's default, 8472.
    if (scope.isHost(ns) && v.port !== 0 && v.port < 1024) {
      throw denied(`${scope.who} may not make vxlan ${name} on UDP port ${v.port} in the host netns: ports below 1024 are the node's services' (VXLAN uses 4789 or 8472)`);
    }
    if (ctx.cluster !== undefined) requireClusterVxlan(ctx.plugin, ctx.cluster, name, v.underlay, local);
    else if (scope.isHost(ns)) {
      if (v.underlay === undefined) {
        throw denied(`plugin "${ctx.plugin}" may not make vxlan ${name} in the host netns without an underlay: only on a link its config names`);
      }
      scope.requireLink(ns, v.underlay, "make a vxlan on");
      if (local !== undefined) {
        const under = linkByName(h, v.underlay);
        if (!addrList(h, under).some((a) => a.cidr.slice(0, a.cidr.indexOf("/")) === local)) {
          throw denied(`plugin "${ctx.plugin}" may not make vxlan ${name} with local ${local}: it is not an address of its underlay ${v.underlay}`);
        }
      }
    }
    return vxlanLinkInfo({
      vni: v.vni, port: v.port, learning: v.learning,
      ...(local !== undefined && { local }),
      ...(v.underlay !== undefined && { underlayIndex: linkByName(h, v.underlay).index }),
    });
  }

  /**
   * Applies a change to `before` (the link as it is); `at` follows the link (namespace id and
   * name) as it moves, for a restore.
   */
  function setLink(ns: number, name: string, change: LinkCaps.LinkChange, at: { ns: number; name: string }, before: Link): LinkCaps.LinkInfo {
      const moved = moveOrRename(rtnl(ns), name, change, change.netns !== undefined ? rtnl(change.netns) : undefined);
      const h = moved.h;
      const stayed = h === rtnl(ns) && moved.name === name;
      name = moved.name;
      at.ns = change.netns ?? ns;
      at.name = name;
      const link = stayed ? before : linkByName(h, name);
      // Order as `ip link set` applies it: attributes first, up last, so a link comes up configured.
      if (change.mtu !== undefined) linkSetMtu(h, link, change.mtu);
      if (change.mac !== undefined) linkSetMac(h, link, change.mac);
      if (change.alias !== undefined) linkSetAlias(h, link, change.alias);
      if (change.promisc !== undefined) linkSetPromisc(h, link, change.promisc);
      if (change.allmulti !== undefined) linkSetAllmulti(h, link, change.allmulti);
      if (change.txqlen !== undefined) linkSetTxqlen(h, link, change.txqlen);
      if (change.master === "") linkSetNoMaster(h, link);
      else if (change.master !== undefined) {
        linkSetMaster(h, link, linkByName(h, change.master));
      }
      if (change.up === true) linkSetUp(h, link);
      if (change.up === false) linkSetDown(h, link);
      return info(at.ns, linkByName(h, name));
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
    if (home !== h) {
      try {
        linkSetNetns(h, link, home.ns, before.name, before.index); // its old ifindex, so that it is back as it was
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        linkSetNetns(h, link, home.ns, before.name); // the index is someone else's by now
      }
    }
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
  if (change.allmulti !== undefined && before.allmulti !== link.allmulti) linkSetAllmulti(h, link, before.allmulti);
  if (change.txqlen !== undefined && before.txqlen !== link.txqlen) linkSetTxqlen(h, link, before.txqlen);
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

/** The mode of a kind that takes its parent over ("passthru"), or undefined. */
function takesParentOver(kind: LinkCaps.LinkKind): string | undefined {
  // macvlan passthru: the parent goes promiscuous and hands all its traffic to the one child.
  // Other modes (and ipvlan, vlan) share the parent, which keeps its own traffic.
  return kind.tag === "macvlan" && kind.val.mode === "passthru" ? "passthru" : undefined;
}

/**
 * Undoes a delete in the container's netns: a bridge, dummy or vrf is made again with its ifindex,
 * MTU, MAC and alias, its addresses and ports, and brought up as it was. Any other kind (a veth whose
 * peer is elsewhere, a link on a parent) cannot be made as it was: the undo fails, saying so.
 */
function recreateLink(h: RtnlHandle, gone: Link, addrs: Addr[], ports: string[]): void {
  const common = { name: gone.name, mtu: gone.mtu, ...(gone.mac !== "" && { mac: gone.mac }) };
  let link: Link;
  if (gone.kind === "bridge") {
    const vf = gone.data.vlanFiltering;
    link = linkAddBridge(h, { ...common, ...(vf === true && { vlanFiltering: vf }) }, gone.index);
  } else if (gone.kind === "dummy") {
    link = linkAdd(h, { ...common, linkInfo: dummyLinkInfo(), index: gone.index });
  } else if (gone.kind === "vrf" && gone.data.vrfTable !== undefined) {
    link = linkAdd(h, { ...common, linkInfo: vrfLinkInfo({ table: gone.data.vrfTable }), index: gone.index });
  } else {
    throw new Error(`link ${gone.name} (kind ${gone.kind || "none"}) was deleted and cannot be recreated as it was`);
  }
  if (gone.alias !== "") linkSetAlias(h, link, gone.alias);
  for (const p of ports) linkSetMaster(h, linkByName(h, p), link);
  if (gone.up) linkSetUp(h, link);
  for (const a of addrs) addrRestore(h, { ...a, index: link.index });
}
