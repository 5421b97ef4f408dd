import type * as LinkCaps from "../generated/interfaces/cni-host-link";
import type { Link } from "../kernel/rtnl/ifinfo";
import { linkAddBridge, linkAddVeth, linkByName, linkDelByName, linkList } from "../kernel/rtnl/link";
import {
  linkSetAlias, linkSetBridgePort, linkSetDown, linkSetMac, linkSetMaster, linkSetMtu, linkSetNoMaster, linkSetPromisc, linkSetUp,
} from "../kernel/rtnl/link-set";
import { type CallContext, hostCall } from "./context";
import { invalid } from "./errors";

/** An interface name the kernel accepts (IFNAMSIZ, dev_valid_name): 1-15 bytes, no "/", ":" or space. */
export function checkLinkName(name: string): void {
  if (!/^[^/:\s]{1,15}$/.test(name) || name === "." || name === ".." || Buffer.byteLength(name) > 15) {
    throw invalid(`${JSON.stringify(name)} is not a valid interface name (1-15 bytes, no "/", ":" or spaces)`);
  }
}

function toInfo(l: Link): LinkCaps.LinkInfo {
  return {
    index: l.index, name: l.name, kind: l.kind, mtu: l.mtu, mac: l.mac, up: l.up, promisc: l.promisc,
    master: l.master, peerIndex: l.peer, alias: l.alias,
  };
}

/** cni:host/link — links of the call's namespaces. */
export function createLinkCaps(ctx: CallContext): typeof LinkCaps {
  const rtnl = (ns: number) => ctx.namespaces.rtnl(ns);
  return {
    list: hostCall(ctx, "link.list", (ns: number) => linkList(rtnl(ns)).map(toInfo)),

    get: hostCall(ctx, "link.get", (ns: number, name: string) => {
      checkLinkName(name);
      return toInfo(linkByName(rtnl(ns), name));
    }),

    create: hostCall(ctx, "link.create", (ns: number, spec: LinkCaps.LinkSpec) => {
      checkLinkName(spec.name);
      const h = rtnl(ns);
      const common = { name: spec.name, ...(spec.mtu !== undefined && { mtu: spec.mtu }), ...(spec.mac !== undefined && { mac: spec.mac }) };
      switch (spec.kind.tag) {
        case "veth": {
          const peer = spec.kind.val;
          checkLinkName(peer.name);
          return toInfo(linkAddVeth(h, {
            ...common,
            peerName: peer.name,
            peerNetns: ctx.namespaces.netns(peer.ns),
            ...(peer.mac !== undefined && { peerMac: peer.mac }),
          }));
        }
        case "bridge": {
          const vf = spec.kind.val.vlanFiltering;
          return toInfo(linkAddBridge(h, { ...common, ...(vf !== undefined && { vlanFiltering: vf }) }));
        }
      }
    }),

    set: hostCall(ctx, "link.set", (ns: number, name: string, change: LinkCaps.LinkChange) => {
      checkLinkName(name);
      const h = rtnl(ns);
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
    }),

    setPort: hostCall(ctx, "link.set-port", (ns: number, name: string, change: LinkCaps.PortChange) => {
      checkLinkName(name);
      const h = rtnl(ns);
      linkSetBridgePort(h, linkByName(h, name), {
        ...(change.hairpin !== undefined && { hairpin: change.hairpin }),
        ...(change.learning !== undefined && { learning: change.learning }),
        ...(change.isolated !== undefined && { isolated: change.isolated }),
      });
    }),

    delete: hostCall(ctx, "link.delete", (ns: number, name: string) => {
      checkLinkName(name);
      linkDelByName(rtnl(ns), name);
    }),
  };
}
