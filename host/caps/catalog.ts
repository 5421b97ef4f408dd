/**
 * What each host function can do, for the people who grant it: what it changes, the scope
 * rules the host enforces today, and a risk level. One entry per WIT function, keyed by the
 * names generated from wit/ (host/generated/capabilities.ts), so `tsc` fails when a function
 * is added to the WIT without an entry here or an entry outlives its function. `wasm-cni caps`
 * prints this table; test/unit/caps/catalog.test.ts also checks it against the CAPS factories.
 *
 * Risk is the worst case, with every grant the function can use: a link function is "high"
 * because with `hostNetns` it reaches the host's links, though without it it cannot.
 */
import { LINK_KINDS } from "../runtime/policy";
import type { WitFunctionKey } from "../generated/capabilities";

/**
 * - none: no effect outside the plugin's own call;
 * - low: reads, or changes confined to the container's namespace;
 * - medium: changes state other containers share (IPAM records), or runs other plugins;
 * - high: can change the host's network (links, addresses, routes, kernel parameters).
 */
export type Risk = "none" | "low" | "medium" | "high";

export const RISKS: readonly Risk[] = ["none", "low", "medium", "high"];

/**
 * Where a scope may come from: what the runtime passed (the CNI_* variables, the config on
 * stdin that the operator wrote), the operator's grant, the host's own rules, marks the host
 * set, or kernel state the host reads. A value the plugin passes is not among them: it is
 * only ever checked against these (security model, "every scope from the runtime").
 */
export type ScopeSource =
  | "CNI_NETNS" | "CNI_CONTAINERID" | "CNI_IFNAME"
  /** Keys of the runtime's config (stdin), named in the entry's scope. */
  | "config"
  /** The plugin's grant: built-in or the operator's policy file. */
  | "grant"
  /** Fixed host rules: allowlists, valid names, limits. */
  | "host"
  /** The `wasm-cni:<plugin>` alias the host set on links the plugin created. */
  | "owner mark"
  /** Kernel state the host reads itself (addresses on CNI_NETNS's links, the default route). */
  | "kernel"
  /**
   * A controller's cluster view, from `wasm-cni agent` (its node's subnets, the peers' subnets
   * and underlay addresses, the cluster CIDRs, the underlay link): never from the controller.
   */
  | "view";

export const SCOPE_SOURCES: readonly ScopeSource[] =
  ["CNI_NETNS", "CNI_CONTAINERID", "CNI_IFNAME", "config", "grant", "host", "owner mark", "kernel", "view"];

export interface CapabilityEntry {
  /** What the function can change; "nothing" for reads. */
  changes: string;
  /** The rules the host enforces before doing it (grant, namespace, names, allowlists). */
  scope: string;
  /** What bounds the scope: never a value of the plugin's, which is only checked against these. */
  from: readonly ScopeSource[];
  risk: Risk;
}

/** A netns id is a handle from netns.container/host: the scope of every kernel function. */
const IN_HELD_NETNS =
  "a netns handle the plugin got from netns.* in this call (any other id is denied): the container's, or the host's with the hostNetns grant";

/** Scoped link ownership (scope.ts), as the changing functions enforce it. */
const HOST_LINKS =
  "in the host netns only a link the plugin created (owner mark `wasm-cni:<plugin>` in the link's alias, set by the host) or its config names (`bridge`, `master`, `device`, `hwaddr`, `kernelpath`, `pciBusID`); in the container's netns any link; a controller (world controller, which has no config) only the links it created";

/** A controller's addresses (cluster-scope.ts), from the agent's view. */
const CONTROLLER_ADDRS =
  "a controller only a prefix inside its node's own subnets (view.local.subnets), so the prefix route the kernel adds stays inside them";
/** A controller's routes (cluster-scope.ts), from the agent's view. */
const CONTROLLER_ROUTES =
  "a controller (whose routes need no dev) only in the main table, to a destination inside one peer's subnet and not overlapping the node's own, via that peer's underlay address or an address inside its subnets (its VTEP, onlink), out of a link it created or the view's underlay link";
const CONTROLLER_ROUTE_DELETES =
  "a controller only in the main table, a destination inside the cluster CIDRs that does not overlap the node's own subnets (a peer that left, never the node's pods), out of a link it created or the underlay link";

/** Delegation (ipam.ts): the IPAM plugin and its config come from the runtime, never from the caller. */
const IPAM_SCOPE =
  "no arguments: the plugin the runtime's config names in ipam.type, if among the grant's delegates, on the runtime's config unchanged";
/** Route rules in the host netns (scope.ts requireHostRoute). */
const HOST_ROUTES =
  "in the host netns the destination must lie inside an address range the config names (ipam subnet, ranges, static addresses, runtimeConfig/args ips, prevResult ips) or the grant's hostRoutes, and the table must be main or one of the grant's hostRouteTables";

/** Traffic control (scope.ts requireTcLink): narrower than HOST_LINKS, no config-named links. */
const TC_LINKS =
  "in the host netns only a link the plugin created (owner mark) or the host end of the call's container veth (its peer is in CNI_NETNS, read by the host from the kernel), never a link the config names (a bridge or uplink shapes every container's traffic); in the container's netns any link";
const TC_CHANGE: readonly ScopeSource[] = ["CNI_NETNS", "grant", "owner mark", "kernel", "host"];
/** Policy routing rules in the host netns (scope.ts requireHostRule). */
const HOST_RULES =
  "in the host netns only a lookup in one of the grant's hostRouteTables (never main, local or default unless listed there; never blackhole, unreachable or prohibit), never inverted (not), selecting by a source (from) inside an address range the config names or the grant's hostRoutes, or by an input link (iif) in scope; an output link (oif) in scope too: a plugin routes its containers' traffic through its table, never the node's own";

/** What the journal does when an ADD fails (journal.ts). */
const UNDONE = "within an ADD (or a controller's reconcile) that fails it is put back as it was";

// What bounds each kind of function (ScopeSource).
const HELD: readonly ScopeSource[] = ["CNI_NETNS", "grant"];
const HOST_LINK_CHANGE: readonly ScopeSource[] = ["CNI_NETNS", "grant", "config", "owner mark", "host"];
const NETWORK_STATE: readonly ScopeSource[] = ["config", "grant", "host"];
const DELEGATION: readonly ScopeSource[] = ["config", "grant"];
const CONTAINER_RULES: readonly ScopeSource[] = ["CNI_NETNS", "CNI_CONTAINERID", "CNI_IFNAME", "config", "grant"];

/** Link kinds link.create can make: the cases of WIT `link-kind` (policy.ts; tsc keeps them in step). */
export const CREATABLE_LINK_KINDS: readonly string[] = LINK_KINDS;

export const CATALOG: Record<WitFunctionKey, CapabilityEntry> = {
  "netns.container": {
    changes: "nothing (opens a handle)",
    scope: "the call's CNI_NETNS only; the plugin never sees or chooses a path; a CNI_NETNS that is the host's netns needs hostNetns and gets the host's scope; one that is no network namespace (FIFO, socket, file, other kind) returns invalid at once, never a blocking open; a controller has no container: denied",
    from: ["CNI_NETNS", "grant"],
    risk: "low",
  },
  "netns.host": {
    changes: "nothing by itself; its handle lets every kernel function reach the host's network",
    scope: "denied unless the plugin's grant has hostNetns: true",
    from: ["grant"],
    risk: "high",
  },
  "link.list": { changes: "nothing (reads every link of the namespace)", scope: IN_HELD_NETNS, from: HELD, risk: "low" },
  "link.get": { changes: "nothing", scope: `${IN_HELD_NETNS}; valid interface names only`, from: HELD, risk: "low" },
  "link.create": {
    changes: `creates a link (${CREATABLE_LINK_KINDS.join(", ")}); a veth peer may be placed in another held namespace, a macvlan, ipvlan or vlan may hang off a parent link in another held namespace, and a tap is made through /dev/net/tun (owner and group as given)`,
    scope: `${IN_HELD_NETNS}; only kinds in the grant's linkKinds (of ${CREATABLE_LINK_KINDS.join(", ")}); a parent in the host netns must be in scope (${HOST_LINKS}), or the default route's link when the config names no master; a macvlan in passthru mode (it takes its parent over) on a host link the plugin did not create needs the grant's parentTakeover and a parent the config names as master; a vrf in the host netns only with a table of the grant's hostRouteTables (never 0, main or local anywhere); a vxlan in the host netns only on an underlay in scope (${HOST_LINKS}), from an address of that underlay and on no UDP port below 1024, and for a controller only on the view's underlay link from the node's underlay address; what it makes in the host netns (a veth peer too) is marked as the plugin's; valid names only (no "%": the kernel would expand it), checked before any kernel call`,
    from: [...HOST_LINK_CHANGE, "kernel"],
    risk: "high",
  },
  "link.set": {
    changes: "up/down, mtu, mac, alias, promisc, allmulti, txqlen, master, name of any link in the namespace; moves it into another held namespace",
    scope: `${IN_HELD_NETNS}; ${HOST_LINKS}; a new master in the host netns in scope too; an alias starting with wasm-cni: is refused in the host netns, and a link carrying another plugin's may not move into it, whatever else the change holds; a change that fails half-way is put back at once; valid names only (no "%")`,
    from: HOST_LINK_CHANGE,
    risk: "high",
  },
  "link.set-port": {
    changes: "bridge-port flags (hairpin, learning, isolated) of any enslaved link",
    scope: `${IN_HELD_NETNS}; ${HOST_LINKS}; ${UNDONE}`,
    from: HOST_LINK_CHANGE,
    risk: "high",
  },
  "link.add-port-vlans": {
    changes: "adds VLANs (one id or a range; PVID, untagged) to a bridge port: which VLANs the port's frames may carry",
    scope: `${IN_HELD_NETNS}; ${HOST_LINKS}; ids 1-4094, a range not the PVID; within an ADD that fails they are removed again`,
    from: HOST_LINK_CHANGE,
    risk: "high",
  },
  "link.port-vlans": { changes: "nothing (reads a bridge port's VLANs)", scope: `${IN_HELD_NETNS}; valid interface names only`, from: HELD, risk: "low" },
  "link.remove-port-vlans": {
    changes: "removes VLANs from a bridge port (e.g. the default VLAN 1)",
    scope: `${IN_HELD_NETNS}; ${HOST_LINKS}; ids 1-4094; within an ADD that fails they are added back`,
    from: HOST_LINK_CHANGE,
    risk: "high",
  },
  "link.delete": {
    changes: "deletes a link (a veth takes its peer with it)",
    scope: `${IN_HELD_NETNS}; ${HOST_LINKS}; during ADD, in the host netns only a link made in this call (a failed ADD could not recreate another); in the container's netns a bridge, dummy or vrf is made again when the ADD fails, any other kind is reported as not recreated`,
    from: HOST_LINK_CHANGE,
    risk: "high",
  },
  "addr.list": { changes: "nothing", scope: IN_HELD_NETNS, from: HELD, risk: "low" },
  "addr.add": { changes: "adds an IP address to a link", scope: `${IN_HELD_NETNS}; ${HOST_LINKS}; ${CONTROLLER_ADDRS}`, from: [...HOST_LINK_CHANGE, "view"], risk: "high" },
  "addr.delete": {
    changes: "removes an IP address from a link (the kernel drops the routes that used it)",
    scope: `${IN_HELD_NETNS}; ${HOST_LINKS}; ${CONTROLLER_ADDRS}; ${UNDONE} (the address with its flags, label and lifetimes, and the routes the kernel dropped with it)`,
    from: [...HOST_LINK_CHANGE, "view"],
    risk: "high",
  },
  "addr.settle": {
    changes: "nothing (waits until the link's IPv6 addresses leave duplicate address detection)",
    scope: `${IN_HELD_NETNS}; waits at most 10 s and never past the plugin's time limit (less 500 ms)`,
    from: ["CNI_NETNS", "grant", "host"],
    risk: "low",
  },
  "route.list": { changes: "nothing", scope: IN_HELD_NETNS, from: HELD, risk: "low" },
  "route.add": {
    changes: "adds a route",
    scope: `${IN_HELD_NETNS}; in the host netns the route must name its link (dev), in scope (${HOST_LINKS}); ${HOST_ROUTES}; ${CONTROLLER_ROUTES}`,
    from: [...HOST_LINK_CHANGE, "view"],
    risk: "high",
  },
  "route.replace": {
    changes: "adds or replaces a route",
    scope: `${IN_HELD_NETNS}; in the host netns its link (dev) must be in scope, and so must the link of any route it replaces (same destination, table and metric); ${HOST_ROUTES}; ${CONTROLLER_ROUTES}; ${UNDONE} (the route it overwrote back)`,
    from: [...HOST_LINK_CHANGE, "kernel", "view"],
    risk: "high",
  },
  "route.delete": {
    changes: "deletes a route",
    scope: `${IN_HELD_NETNS}; in the host netns the route must name its link (dev), in scope; ${HOST_ROUTES}; ${CONTROLLER_ROUTE_DELETES}; ${UNDONE} (with every attribute the kernel reported)`,
    from: [...HOST_LINK_CHANGE, "view"],
    risk: "high",
  },
  "rule.list": { changes: "nothing (reads every policy routing rule of the namespace)", scope: IN_HELD_NETNS, from: HELD, risk: "low" },
  "rule.add": {
    changes: "adds a policy routing rule (ip rule): which table the packets it selects are looked up in, or that they are dropped or refused",
    scope: `${IN_HELD_NETNS}; ${HOST_RULES}; prefixes, link names and the action's table checked before any kernel call; ${UNDONE} (removed by the priority the kernel gave it)`,
    from: HOST_LINK_CHANGE,
    risk: "high",
  },
  "rule.delete": {
    changes: "deletes the first policy routing rule that matches",
    scope: `${IN_HELD_NETNS}; ${HOST_RULES} (a host rule without a table is refused: it could match any); ${UNDONE} (exactly as the kernel listed it)`,
    from: HOST_LINK_CHANGE,
    risk: "high",
  },
  "sysctl.get": {
    changes: "nothing",
    scope: `${IN_HELD_NETNS}; keys on the host's net.* allowlist (forwarding, rp_filter, proxy_arp, accept_dad, ...) and in the grant's sysctlKeys; with the grant's sysctlFromConfig also any net.* key the runtime's config names (sysctl, args.cni.sysctl; IFNAME is CNI_IFNAME), in the container's netns only; never a key outside net/ ("..", "/" tricks are invalid)`,
    from: ["CNI_NETNS", "CNI_IFNAME", "config", "grant", "host"],
    risk: "low",
  },
  "sysctl.set": {
    changes: "writes a kernel parameter (e.g. turns on IP forwarding for the namespace)",
    scope: `${IN_HELD_NETNS}; keys on the host's net.* allowlist and in the grant's sysctlKeys; with the grant's sysctlFromConfig also any net.* key the runtime's config names (sysctl, args.cni.sysctl; IFNAME is CNI_IFNAME), in the container's netns only; never a key outside net/; in the host netns a per-interface key only of a link in scope, or of the container's host-side link that prevResult lists without a sandbox and a wasm-cni plugin created (owner mark; portmap's route_localnet on the bridge); ${UNDONE}`,
    from: [...HOST_LINK_CHANGE, "CNI_IFNAME"],
    risk: "high",
  },
  "firewall.ensure-masquerade": {
    changes: "adds an nftables masquerade rule (source NAT to the outgoing interface's address) for traffic from one address to outside its subnet; creates the plugin's table and nat chain when missing",
    scope: `${IN_HELD_NETNS}; only an address a link of the call's CNI_NETNS has (read by the host from the kernel): never another pod's; only the plugin's own table wasm-cni-<plugin> (the plugin never names a table); the rule is tagged with the call's network name, container id and ifname`,
    from: [...CONTAINER_RULES, "kernel"],
    risk: "high",
  },
  "firewall.ensure-spoof-check": {
    changes: "adds an nftables bridge rule dropping frames from one interface whose source MAC is not the given one; creates the plugin's bridge table and prerouting chain when missing",
    scope: `${IN_HELD_NETNS}; only the plugin's own table; in the host netns only an interface in scope (${HOST_LINKS}); tagged with the call's network name, container id and ifname`,
    from: [...CONTAINER_RULES, "owner mark"],
    risk: "high",
  },
  "firewall.list": {
    changes: "nothing (reads this container's rules)",
    scope: `${IN_HELD_NETNS}; only the plugin's own tables and the call's network, container id and ifname`,
    from: CONTAINER_RULES,
    risk: "low",
  },
  "firewall.remove": {
    changes: "deletes this container's rules from the plugin's tables",
    scope: `${IN_HELD_NETNS}; only rules of the plugin's own tables tagged with the call's network, container id and ifname: never another plugin's, network's or container's; ${UNDONE}`,
    from: CONTAINER_RULES,
    risk: "medium",
  },
  "firewall.retain": {
    changes: "deletes the rules of every attachment the runtime no longer lists from the plugin's tables (GC)",
    scope: `${IN_HELD_NETNS}; keeps the runtime's cni.dev/valid-attachments, during GC only; rules of this network only, of the plugin's own tables (never another plugin's); the plugin passes no list`,
    from: CONTAINER_RULES,
    risk: "medium",
  },
  "firewall.apply": {
    changes: "adds typed nftables rules (matches on addresses, interfaces, protocol, ports, conntrack, marks; accept, drop, reject, DNAT, SNAT, masquerade, redirect, set-mark; counters) to the base chains of the plugin's table inet wasm-cni-<plugin> (nat prerouting/output/postrouting, filter forward/input), made when missing; one nftables transaction per call; can redirect node ports to the container (portmap)",
    scope: `${IN_HELD_NETNS}; during ADD only; every rule must concern the call's container: match saddr or daddr (not negated) exactly on one of its addresses, or DNAT/SNAT to one with a dport match, an SNAT only to one of its own addresses, the addresses being the runtime's prevResult ips for CNI_IFNAME (never the plugin's word); every value validated (CIDR families, ports, names, at most 64 rules of 16 matches); only the plugin's own table; tagged with the call's network name, container id and ifname; a rule the attachment has is not added twice; within an ADD that fails they are taken back`,
    from: [...CONTAINER_RULES, "host"],
    risk: "high",
  },
  "firewall.rules": {
    changes: "nothing (reads this container's typed rules back from the kernel, with counters)",
    scope: `${IN_HELD_NETNS}; only the plugin's own table and the call's network, container id and ifname`,
    from: CONTAINER_RULES,
    risk: "low",
  },
  "store.open": {
    changes: "creates a bucket directory and holds its lock until the call ends",
    scope: "no arguments: the host picks the bucket from the runtime's config: the network's IPAM state ($ipam.dataDir or /var/lib/cni/networks, then the network name) only for the plugin ipam.type names; any other plugin gets its own, /var/lib/cni/wasm-cni/<plugin>/<network>",
    from: NETWORK_STATE,
    risk: "medium",
  },
  "store.get": { changes: "nothing", scope: "an open bucket of this call only", from: NETWORK_STATE, risk: "low" },
  "store.put": {
    changes: "writes one IPAM record (a file) shared with every other call on the network; undone if the ADD fails",
    scope: "an open bucket of this call only; plain keys (no \"/\", \"..\", \".tmp-\", not \"lock\"); the grant's storeValueBytes, storeBytesPerCall and storeKeysPerBucket",
    from: NETWORK_STATE,
    risk: "medium",
  },
  "store.remove": {
    changes: "removes one IPAM record; put back if the ADD fails",
    scope: "an open bucket of this call only; plain keys",
    from: NETWORK_STATE,
    risk: "medium",
  },
  "store.entries": { changes: "nothing", scope: "an open bucket of this call only", from: NETWORK_STATE, risk: "low" },
  "store.find": { changes: "nothing", scope: "an open bucket of this call only; 1 to 8 values", from: NETWORK_STATE, risk: "low" },
  "log.write": {
    changes: "nothing (one line on the host's stderr, prefixed with the plugin's name)",
    scope: "any plugin that imports log; 4 KiB per line, control characters (newlines, escapes, bidi overrides) written escaped",
    from: ["host"],
    risk: "none",
  },
  "ipam.add": {
    changes: "runs ADD of the network's IPAM plugin, in process, under that plugin's own grant",
    scope: `${IPAM_SCOPE}; during ADD only`,
    from: DELEGATION,
    risk: "medium",
  },
  "ipam.check": {
    changes: "runs CHECK of the network's IPAM plugin under its own grant",
    scope: `${IPAM_SCOPE}; during CHECK only`,
    from: DELEGATION,
    risk: "low",
  },
  "ipam.del": {
    changes: "during DEL, runs DEL of the network's IPAM plugin (releases addresses); during ADD, undoes that plugin's store changes of this call",
    scope: `${IPAM_SCOPE}; during DEL, or ADD (its own reservation only)`,
    from: DELEGATION,
    risk: "medium",
  },
  "ipam.status": {
    changes: "nothing (runs STATUS of the network's IPAM plugin under its own grant)",
    scope: `${IPAM_SCOPE}; during STATUS only`,
    from: DELEGATION,
    risk: "low",
  },
  "ipam.gc": {
    changes: "runs GC of the network's IPAM plugin (releases reservations not in the runtime's valid attachments) under its own grant",
    scope: `${IPAM_SCOPE}; during GC only`,
    from: DELEGATION,
    risk: "medium",
  },
  "neigh.list": { changes: "nothing (reads a link's neighbour entries)", scope: `${IN_HELD_NETNS}; valid interface names only`, from: HELD, risk: "low" },
  "neigh.set": {
    changes: "adds or replaces a permanent neighbour (ARP/NDP) entry",
    scope: `${IN_HELD_NETNS}; any link of the container's netns; in the host netns only a link the plugin created (owner mark), and for a controller only an address inside a peer node's subnet with that peer's VTEP MAC (the agent's view from etcd; MAC and address compared normalised); ${UNDONE} (a replaced entry comes back, an added one goes)`,
    from: ["CNI_NETNS", "grant", "owner mark", "host"],
    risk: "high",
  },
  "neigh.delete": {
    changes: "deletes a neighbour entry",
    scope: `${IN_HELD_NETNS}; any link of the container's netns; in the host netns only a link the plugin created (owner mark); ${UNDONE}`,
    from: ["CNI_NETNS", "grant", "owner mark", "host"],
    risk: "high",
  },
  "neigh.fdb": { changes: "nothing (reads a link's FDB entries)", scope: `${IN_HELD_NETNS}; valid interface names only`, from: HELD, risk: "low" },
  "neigh.set-fdb": {
    changes: "adds or replaces a permanent FDB entry of a link itself (a VXLAN remote: frames for a MAC go to an underlay address)",
    scope: `${IN_HELD_NETNS}; any link of the container's netns; in the host netns only a link the plugin created (owner mark), and for a controller only a peer node's VTEP MAC towards that peer's underlay address (the agent's view from etcd; compared normalised); ${UNDONE} (a replaced remote comes back, an added entry goes)`,
    from: ["CNI_NETNS", "grant", "owner mark", "host"],
    risk: "high",
  },
  "neigh.delete-fdb": {
    changes: "deletes an FDB entry of a link",
    scope: `${IN_HELD_NETNS}; any link of the container's netns; in the host netns only a link the plugin created (owner mark); ${UNDONE}`,
    from: ["CNI_NETNS", "grant", "owner mark", "host"],
    risk: "high",
  },
  "qdisc.list": { changes: "nothing (reads a link's qdiscs)", scope: `${IN_HELD_NETNS}; valid interface names only`, from: HELD, risk: "low" },
  "qdisc.add": {
    changes: "adds a qdisc to a link: a tbf at its root (shapes what it sends), or an ingress or clsact qdisc (where filters on what it receives go)",
    scope: `${IN_HELD_NETNS}; ${TC_LINKS}; tbf values checked before any kernel call (rate 1 or more, a bucket the kernel's 32-bit ticks can hold, limit or latency, peakrate above rate with mtu, handle 1-65534); ${UNDONE}`,
    from: TC_CHANGE,
    risk: "high",
  },
  "qdisc.replace": {
    changes: "adds a qdisc or replaces the one in its place",
    scope: `${IN_HELD_NETNS}; ${TC_LINKS}; values checked as qdisc.add; during ADD only over the kernel's default qdisc, a root tbf or the same ingress qdisc, which the journal puts back when the ADD fails (any other is denied)`,
    from: TC_CHANGE,
    risk: "high",
  },
  "qdisc.delete": {
    changes: "deletes a link's root qdisc (the kernel's default comes back) or its ingress/clsact qdisc with its filters",
    scope: `${IN_HELD_NETNS}; ${TC_LINKS}; during ADD only a qdisc this call added (a failed ADD could not put another back)`,
    from: TC_CHANGE,
    risk: "high",
  },
  "qdisc.add-redirect": {
    changes: "adds a filter sending (or copying) everything a link receives to another link's egress (u32 match-all, mirred)",
    scope: `${IN_HELD_NETNS}; ${TC_LINKS}, for both links (same namespace, never a link to itself); priority 1-65535; ${UNDONE}`,
    from: TC_CHANGE,
    risk: "high",
  },
  "qdisc.redirects": { changes: "nothing (reads a link's ingress redirects)", scope: `${IN_HELD_NETNS}; valid interface names only`, from: HELD, risk: "low" },
  "qdisc.delete-redirect": {
    changes: "deletes the ingress filters of one priority of a link",
    scope: `${IN_HELD_NETNS}; ${TC_LINKS}; during ADD only a filter this call added`,
    from: TC_CHANGE,
    risk: "high",
  },
  "dns.read-resolv-conf": {
    changes: "nothing (reads a file on the host and returns only its nameservers, domain, search and options)",
    scope: "only the absolute path the runtime's config names in ipam.resolvConf (a parent cannot change it for its delegate); a regular file of at most 64 KiB",
    from: ["config", "grant", "host"],
    risk: "low",
  },
};
