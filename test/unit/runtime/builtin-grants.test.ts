// The built-in grants come from the plugins' manifest.json (host/generated/builtin-grants.ts);
// this is the table as it was hand-written in policy.ts before, frozen: deriving it must not
// widen or narrow any shipped plugin's grant without this test being changed on purpose.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "../../../host/runtime/manifest";
import { manifestCapabilities } from "../../../host/runtime/manifest-grant";
import { BUILTIN_PLUGINS, DEFAULT_LIMITS, grantFor } from "../../../host/runtime/policy";
import { builtinCapabilities } from "../../../tools/builtin-grants";
import { ROOT } from "../../helpers/fixtures";

const FORWARDING = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"];
const VETH_HOST_END = ["net.ipv6.conf.*.accept_ra", "net.ipv6.conf.*.accept_dad"];
const CONFIGURE_IFACE = ["net.ipv6.conf.*.disable_ipv6", "net.ipv6.conf.*.keep_addr_on_down"];
const ARP_NOTIFY = ["net.ipv4.conf.*.arp_notify"];
const ENHANCED_DAD = ["net.ipv6.conf.*.enhanced_dad"];
const NONE = { hostNetns: false, delegates: [], linkKinds: [], sysctlKeys: [], ...DEFAULT_LIMITS };
const IPAM = ["host-local", "static"];
const ATTACH = (kind: string, hostNetns: boolean) => ({
  ...NONE,
  interfaces: ["netns", "link", "addr", "route", "sysctl", "ipam"],
  hostNetns,
  delegates: IPAM,
  linkKinds: [kind],
  sysctlKeys: [...CONFIGURE_IFACE, ...ARP_NOTIFY],
});

/** policy.ts's BUILTIN as of commit 42223b0, and the grants of plugins added since. */
const FROZEN: Record<string, object> = {
  loopback: { ...NONE, interfaces: ["netns", "link", "addr", "log"] },
  "host-local": { ...NONE, interfaces: ["store", "log", "dns"] },
  bridge: {
    ...NONE,
    interfaces: ["netns", "link", "addr", "route", "sysctl", "log", "ipam", "firewall"],
    hostNetns: true,
    delegates: IPAM,
    linkKinds: ["bridge", "veth"],
    sysctlKeys: [...FORWARDING, ...VETH_HOST_END, ...CONFIGURE_IFACE, ...ARP_NOTIFY, ...ENHANCED_DAD],
  },
  ptp: {
    ...NONE,
    interfaces: ["netns", "link", "addr", "route", "sysctl", "log", "ipam", "firewall"],
    hostNetns: true,
    delegates: IPAM,
    linkKinds: ["veth"],
    sysctlKeys: [...FORWARDING, ...VETH_HOST_END, ...CONFIGURE_IFACE],
  },
  static: { ...NONE, interfaces: [] },
  macvlan: ATTACH("macvlan", true),
  ipvlan: ATTACH("ipvlan", true),
  vlan: ATTACH("vlan", true),
  dummy: ATTACH("dummy", false),
  "host-device": { ...ATTACH("dummy", true), linkKinds: [] },
  tap: ATTACH("tap", false),
  // Added with the plugin (issue 12): the host netns for its firewall rules and route_localnet on the bridge.
  portmap: { ...NONE, interfaces: ["netns", "route", "sysctl", "log", "firewall"], hostNetns: true, sysctlKeys: ["net.ipv4.conf.*.route_localnet"] },
  // Added with the plugin (issue 12): the host netns for its nftables rules, nothing else.
  firewall: { ...NONE, interfaces: ["netns", "firewall", "log"], hostNetns: true },
  // Added with the plugin (issue 12): the host end of the container's veth, and an ifb of its own.
  bandwidth: { ...NONE, interfaces: ["netns", "link", "qdisc", "log"], hostNetns: true, linkKinds: ["ifb"] },
  // Added since (issue 12): chained plugins of the container netns only.
  sbr: { ...NONE, interfaces: ["netns", "link", "addr", "route", "rule"] },
  vrf: { ...NONE, interfaces: ["netns", "link", "addr", "route"], linkKinds: ["vrf"] },
  // Added with the plugin (issue 12): the sysctl keys its config names, in the container's netns.
  tuning: { ...NONE, interfaces: ["netns", "link", "sysctl", "store", "log"], sysctlFromConfig: true },
  // Added with the plugin (issue 14): as ptp without firewall, plus proxy ARP on its own host ends and the pod's gateway neighbour.
  routed: {
    ...NONE,
    interfaces: ["netns", "link", "addr", "route", "neigh", "sysctl", "log", "ipam"],
    hostNetns: true,
    delegates: IPAM,
    linkKinds: ["veth"],
    sysctlKeys: [...FORWARDING, "net.ipv4.conf.*.proxy_arp", ...VETH_HOST_END, ...CONFIGURE_IFACE],
  },
  // Added with the controllers (issue 14, world controller): the host netns; their scope comes from the cluster view.
  "overlay-controller": { ...NONE, interfaces: ["netns", "link", "addr", "route", "neigh", "log"], hostNetns: true, linkKinds: ["vxlan"] },
  "routed-controller": { ...NONE, interfaces: ["netns", "route", "log"], hostNetns: true },
};

describe("built-in grants", () => {
  for (const [name, frozen] of Object.entries(FROZEN)) {
    it(`${name}: the grant is exactly the one policy.ts wrote by hand`, () => {
      expect(grantFor(name)).toStrictEqual(frozen);
    });
  }
});

describe("built-in grants come from the manifests", () => {
  const manifests = builtinCapabilities(ROOT);

  it("every plugin we ship has a manifest.json and a built-in grant, and no other plugin has one", () => {
    expect([...manifests.keys()].sort()).toEqual(Object.keys(FROZEN).sort());
    expect([...BUILTIN_PLUGINS].sort()).toEqual(Object.keys(FROZEN).sort());
  });

  for (const name of Object.keys(FROZEN)) {
    it(`${name}: its grant is what its manifest.json states, with the default limits`, () => {
      const manifest = parseManifest(readFileSync(join(ROOT, "guest-plugins", name, "manifest.json")));
      expect(manifest.name).toBe(name);
      expect(grantFor(name)).toStrictEqual({ ...DEFAULT_LIMITS, ...manifestCapabilities(manifest) });
    });
  }
});
