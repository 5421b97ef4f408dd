// Values the fake host returns in the round-trip test, in jco's JS representation:
// records as objects, variants {tag, val}, options value-or-undefined, enums as strings.

export const linkInfo = (i: number, name: string) => ({
  index: i, name, kind: i % 2 ? "veth" : "", mtu: 1500 + i, mac: i % 2 ? "aa:bb:cc:00:00:01" : "",
  up: i % 2 === 1, promisc: i % 3 === 0, allmulti: i % 4 === 0, txqlen: i * 1000, master: i * 7, peerIndex: 0xffffffff - i, alias: i % 5 ? "" : "alias \"q\" \\ \n",
  parentBus: i % 2 ? "" : "pci", parentDev: i % 2 ? "" : "0000:00:1f.6",
});

export const routeFull = {
  dst: "10.2.0.0/16", gw: "10.1.0.1", dev: "eth0-ü", src: "10.1.0.2", table: 254, scope: "host",
  metric: 0, mtu: 1400, advmss: 4294967295, onlink: true, protocol: 255,
};
export const routeNone = {
  dst: "::/0", gw: undefined, dev: undefined, src: undefined, table: undefined, scope: undefined,
  metric: undefined, mtu: undefined, advmss: undefined, onlink: false, protocol: undefined,
};

/** Set A: long lists, non-ASCII, options present. */
export const okA: Record<string, unknown> = {
  "netns.container": 7,
  "netns.host": 0xffffffff,
  "link.list": Array.from({ length: 300 }, (_, i) => linkInfo(i, `link-${i}-ü🙂`)),
  "link.get": linkInfo(1, "eth0-ü"),
  "link.create": linkInfo(2, "veth-ü🙂"),
  "link.set": linkInfo(3, "br0"),
  "link.setPort": undefined,
  "link.delete": undefined,
  "addr.list": [
    { linkIndex: 2, cidr: "10.1.0.2/24", scope: 0 },
    { linkIndex: 4294967295, cidr: "fe80::1/64", scope: 253 },
  ],
  "addr.add": undefined,
  "addr.delete": undefined,
  "route.list": [routeFull, routeNone],
  "route.add": undefined,
  "route.replace": undefined,
  "route.delete": undefined,
  "sysctl.get": "1\n",
  "sysctl.set": undefined,
  "store.open": 3,
  "store.get": "value ü",
  "store.put": undefined,
  "store.remove": true,
  "store.entries": [["k", "v"], ["", ""], ["ü", "🙂".repeat(1000)]],
  "ipam.add": '{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.2/24"}]}',
  "ipam.check": undefined,
  "ipam.del": undefined,
};

/** Set B: empty lists and strings, options absent. */
export const okB: Record<string, unknown> = {
  ...okA,
  "netns.container": 0,
  "netns.host": 1,
  "link.list": [],
  "link.get": linkInfo(0, ""),
  "addr.list": [],
  "route.list": [],
  "sysctl.get": "",
  "store.open": 0,
  "store.get": undefined,
  "store.remove": false,
  "store.entries": [],
  "ipam.add": "",
};

/** One host-error payload per case of the WIT variant. */
export const HOST_ERRORS = [
  { tag: "not-found", val: "no link eth9 ü" },
  { tag: "exists", val: "" },
  { tag: "denied", val: "host-netns not granted" },
  { tag: "invalid", val: "bad cidr \"x\"" },
  { tag: "netns-gone", val: "/var/run/netns/gone" },
  { tag: "kernel", val: { errno: 17, message: "File exists ü" } },
];

export const CNI_ERROR = { code: 7, msg: "ipam: no ranges ü", details: "" };
