// A test harness for plugin authors that needs no root, no kernel and no namespaces: the plugin's
// main core module runs in this process against an in-memory host (links, addresses, routes,
// sysctls, the store, log lines) through the same canonical ABI code and WORLD tables the real
// host uses (host/runtime/abi), with the same import-against-grant check at load. Every host
// call is recorded with its arguments and outcome, and any host function can be scripted (to
// fail, or to answer otherwise). The host's own checks it applies: imports against the grant
// (policy.ts), link kinds and the host netns against the grant, sysctl keys (sysctl.ts), guest
// strings (strict UTF-8, maxStringBytes) and the time limit. It does not model the host's scope
// rules (which host links and host routes a plugin may touch, scope.ts), nor kernel rules (a
// veth's carrier, routes dropped with an address): real-namespace tests show those.
import { readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type * as T from "../host/generated/interfaces/cni-host-types";
import type { LinkChange, LinkInfo, LinkSpec } from "../host/generated/interfaces/cni-host-link";
import type { AddrInfo } from "../host/generated/interfaces/cni-host-addr";
import type { RouteInfo } from "../host/generated/interfaces/cni-host-route";
import type { RuleInfo } from "../host/generated/interfaces/cni-host-rule";
import { CapError } from "../host/caps/errors";
import { checkSysctlKey } from "../host/caps/sysctl";
import { canonicalKey, configSysctlKeys } from "../host/caps/sysctl-config";
import { WORLD } from "../host/generated/abi";
import { instantiateCore, type WasmModule } from "../host/runtime/abi/instance";
import { readComponentSections } from "../host/runtime/component-binary";
import { readMeta } from "../host/runtime/component-meta";
import { AbiTrap } from "../host/runtime/abi/lift-lower";
import { GuestPanic, type PanicReport, where } from "../host/runtime/guest-panic";
import { createGuestStringDecoder } from "../host/runtime/guest-strings";
import { HostBytes } from "../host/runtime/host-bytes";
import { DEFAULT_MAX_HOST_BYTES, DEFAULT_MAX_STRING_BYTES } from "../host/runtime/limits";
import { mainModuleIndex } from "../host/runtime/main-module";
import { MANIFEST_SECTION, parseManifest } from "../host/runtime/manifest";
import { checkImports, DEFAULT_LIMITS, DEFAULT_TIME_LIMIT_MS, type Grant, grantFor } from "../host/runtime/policy";
import { runWithTimeLimit, TimeLimitError } from "../host/runtime/time-limit";

export type { AddrInfo, LinkInfo, RouteInfo, RuleInfo };
export type HostError = T.HostError;

/** A link of the fake, with the addresses it holds ("10.0.0.2/24"). */
export interface FakeLink extends LinkInfo {
  addrs: string[];
}

/** One namespace of the fake: its links by name, its routes (all tables), its rules, its sysctls. */
export interface FakeNetns {
  links: Map<string, FakeLink>;
  routes: RouteInfo[];
  /** Policy routing rules, in the order added (the kernel's three default rules are not modelled). */
  rules: RuleInfo[];
  sysctl: Map<string, string>;
}

/** The host as the plugin sees it; tests set it up before a verb and read it after. */
export interface FakeState {
  host: FakeNetns;
  container: FakeNetns;
  /** The plugin's store bucket (store.open). */
  store: Map<string, string>;
  log: { level: string; message: string }[];
  /** What ipam.add returns (a CNI result's JSON); undefined: ipam.add fails with not-found. */
  ipamResult?: string;
}

/** One host call the plugin made: "route.add", its arguments as the plugin passed them, and how it ended. */
export interface HostCall {
  fn: string;
  args: unknown[];
  /** "ok", or the error the plugin got: "not-found: link eth1". */
  outcome: string;
}

/** The WIT cni-error a verb returned. */
export interface PluginError {
  code: number;
  msg: string;
  details: string;
}

export type Outcome<V> = { ok: true; value: V } | { ok: false; error: PluginError };

export interface CallOptions {
  containerId?: string;
  ifname?: string;
  /** CNI_NETNS; "" for a call without one (netns.container then fails as on the real host). */
  netns?: string;
  args?: [string, string][];
}

/** What the plugin is allowed, as the operator's grant says; the default is its manifest's. */
export interface HarnessGrant {
  interfaces: readonly string[];
  hostNetns?: boolean;
  /** Kinds link.create may make; absent: any. */
  linkKinds?: readonly string[];
  /** sysctl keys (patterns, "net.ipv6.conf.*.accept_ra") it may read and write; absent: any the host allows. */
  sysctlKeys?: readonly string[];
  /** Also the net.* keys the call's config names (`sysctl`, `args.cni.sysctl`), in the container's netns, as tuning's grant. */
  sysctlFromConfig?: boolean;
}

export interface LoadOptions {
  grant?: HarnessGrant;
  /** CPU time per verb before the plugin is stopped, as the host's timeLimitMs (default 5000). */
  timeLimitMs?: number;
}

/**
 * The plugin did not return: it panicked (`throw`, an index out of range, `.value` on an
 * error), trapped, ran out of time or broke the canonical ABI. The host ends such a call with
 * CNI error 999 and this message; `panic` is the guest's own account, when it left one.
 */
export class PluginTrap extends Error {
  override readonly name = "PluginTrap";
  constructor(message: string, readonly panic: PanicReport | undefined, cause: unknown) {
    super(message, { cause });
  }
}

/** What the host's run-plugin.ts guard() says of a guest that did not return. */
function trapOf(plugin: string, verb: string, e: unknown): unknown {
  if (e instanceof FakeHostError) return e; // a script that threw outside a result-returning function: the test's bug
  if (e instanceof GuestPanic) return new PluginTrap(`plugin "${plugin}" panicked in ${verb}: ${e.report.message} (at ${where(e.report)})`, e.report, e);
  if (e instanceof TimeLimitError) return new PluginTrap(`plugin "${plugin}" ${verb}: ${e.message}`, undefined, e);
  if ((e as Error)?.constructor?.name === "RuntimeError" || e instanceof AbiTrap) {
    return new PluginTrap(`plugin "${plugin}" trapped in ${verb}: ${(e as Error).message}`, undefined, e);
  }
  return e;
}

/** A host function's scripted replacement: return a value, or throw hostError(...). */
export type Script = (...args: never[]) => unknown;

/** What a host function throws to return its WIT error to the plugin (what the ABI lowers as `err`). */
export class FakeHostError extends Error {
  constructor(readonly payload: HostError) {
    super(describe(payload));
  }
}

export function hostError(tag: HostError["tag"], val: string | { errno: number; message: string }): FakeHostError {
  return new FakeHostError({ tag, val } as HostError);
}

function describe(e: HostError): string {
  return e.tag === "kernel" ? `kernel: ${e.val.message}` : `${e.tag}: ${e.val}`;
}

export interface Harness {
  /** The plugin's name: the file's or folder's. */
  name: string;
  /** The cni:host interfaces it imports ("link", "route"). */
  imports: string[];
  state: FakeState;
  calls: HostCall[];
  /** Replaces host function `fn` ("route.add") by `script` until reset; it is still recorded. */
  script(fn: string, script: Script): void;
  /** Makes host function `fn` fail with `error` (every call, or the first `times`). */
  fail(fn: string, error: HostError, times?: number): void;
  /** Adds a link to a namespace of the fake (not a host call). */
  addLink(ns: "host" | "container", name: string, info?: Partial<FakeLink>): FakeLink;
  add(config: object | string, opts?: CallOptions): Outcome<object>;
  del(config: object | string, opts?: CallOptions): Outcome<void>;
  check(config: object | string, opts?: CallOptions): Outcome<void>;
  status(config: object | string, opts?: CallOptions): Outcome<void>;
  gc(config: object | string, opts?: CallOptions): Outcome<void>;
}

const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule } }).WebAssembly;
const TYPE_ONLY = ["types", "verbs"];
/** A Grant with nothing in it, for the host's checks that take one. */
const NO_GRANT: Grant = { interfaces: [], hostNetns: false, delegates: [], linkKinds: [], sysctlKeys: [], ...DEFAULT_LIMITS };
const NS_IDS = { host: 0, container: 1 } as const;

interface Loaded {
  name: string;
  module: WasmModule;
  imports: string[];
  /** The grant its manifest asks for, when it has one. */
  manifestGrant?: HarnessGrant;
}

/** A built component (`plugin.wasm`, what wasm-cni-build writes) or a built plugin folder (meta.json). */
function read(path: string): Loaded {
  if (statSync(path).isDirectory()) {
    const meta = readMeta(path);
    return { name: basename(path), module: new Wasm.Module(readFileSync(join(path, meta.main))), imports: unversioned(meta.imports) };
  }
  const sections = readComponentSections(readFileSync(path));
  const main = sections.coreModules[mainModuleIndex(sections.coreModules)]!;
  const section = sections.custom.get(MANIFEST_SECTION);
  const manifest = section ? parseManifest(section) : undefined;
  const caps = manifest?.capabilities;
  return {
    // The manifest's name, as the operator installs it; a file name may carry a version or a hash.
    name: manifest ? manifest.name : basename(path).replace(/\.wasm$/, ""),
    module: new Wasm.Module(main),
    imports: unversioned(sections.imports),
    ...(caps && { manifestGrant: {
      interfaces: caps.interfaces ?? [], hostNetns: caps.hostNetns ?? false, linkKinds: caps.linkKinds ?? [], sysctlKeys: caps.sysctl ?? [],
      ...(caps.sysctlFromConfig === true && { sysctlFromConfig: true }),
    } }),
  };
}

function unversioned(imports: readonly string[]): string[] {
  return imports.map((i) => i.replace(/^cni:host\//, "").replace(/@.*$/, "")).filter((n) => !TYPE_ONLY.includes(n));
}

/** The grant the harness checks with: the test's, else the manifest's, else our built-in one, else everything imported. */
function grantOf(p: Loaded, given: HarnessGrant | undefined): HarnessGrant {
  if (given) return given;
  if (p.manifestGrant) return p.manifestGrant;
  try {
    return grantFor(p.name);
  } catch {
    return { interfaces: p.imports, hostNetns: true };
  }
}

function emptyNetns(): FakeNetns {
  return { links: new Map(), routes: [], rules: [], sysctl: new Map() };
}

/**
 * Loads a plugin for tests: `path` is its component (.wasm) or a built plugin folder. Throws when
 * it imports an interface its grant (options.grant, else its manifest's) does not allow, as the
 * real host refuses to load it. A verb returns the plugin's result or its cni-error; one that
 * does not return (a panic, a trap, the time limit) throws PluginTrap.
 */
export function loadPlugin(path: string, options: LoadOptions = {}): Harness {
  const p = read(path);
  const grant = grantOf(p, options.grant);
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  checkImports(p.name, p.imports, { ...NO_GRANT, interfaces: grant.interfaces });
  let nextIndex = 1;
  const state: FakeState = { host: emptyNetns(), container: emptyNetns(), store: new Map(), log: [] };
  const calls: HostCall[] = [];
  const scripts = new Map<string, Script>();

  const addLink = (ns: "host" | "container", name: string, info: Partial<FakeLink> = {}): FakeLink => {
    const l: FakeLink = {
      index: nextIndex++, name, kind: "", mtu: 1500, mac: "", up: false, promisc: false, allmulti: false, txqlen: 1000, master: 0, peerIndex: 0,
      alias: "", parentBus: "", parentDev: "", addrs: [], ...info,
    };
    l.mac ||= `02:00:00:00:${(l.index >> 8).toString(16).padStart(2, "0")}:${(l.index & 0xff).toString(16).padStart(2, "0")}`;
    state[ns].links.set(name, l);
    return l;
  };
  // Every namespace starts as the kernel makes one: lo, down, with its addresses.
  for (const ns of ["host", "container"] as const) addLink(ns, "lo", { mac: "00:00:00:00:00:00", mtu: 65536, addrs: ["127.0.0.1/8", "::1/128"] });

  const requestNetns = { value: "" };
  /** The config and ifname of the verb running, for sysctlFromConfig. */
  const current = { config: "", ifname: "" };
  const held = new Set<number>();
  const nsOf = (id: number): FakeNetns => {
    if (!held.has(id)) throw hostError("invalid", `netns id ${id} was not opened in this call`);
    return id === NS_IDS.host ? state.host : state.container;
  };
  const linkOf = (id: number, name: string): FakeLink => {
    const l = nsOf(id).links.get(name);
    if (!l) throw hostError("not-found", `link ${name}`);
    return l;
  };
  const info = (l: FakeLink): LinkInfo => {
    const { addrs: _, ...rest } = l;
    return { ...rest };
  };
  const family = (cidr: string): "v4" | "v6" => (cidr.includes(":") ? "v6" : "v4");
  const sameRoute = (a: RouteInfo, b: RouteInfo): boolean => a.dst === b.dst && (a.table ?? 254) === (b.table ?? 254) &&
    (b.gw === undefined || a.gw === b.gw) && (b.dev === undefined || a.dev === b.dev) && (b.metric === undefined || a.metric === b.metric);
  const ok = (): void => undefined;
  /** The host's own check: a config-named key in the container (sysctlFromConfig), else its allowlist of net.* keys, then the grant's patterns. */
  const checkSysctl = (ns: number, key: string): void => {
    const canonical = canonicalKey(key);
    if (canonical === null) throw hostError("invalid", `sysctl key ${JSON.stringify(key)} is not a net.* key`);
    if (grant.sysctlFromConfig === true && ns === NS_IDS.container && configSysctlKeys(current.config, current.ifname).has(canonical)) return;
    try {
      checkSysctlKey(p.name, { ...NO_GRANT, sysctlKeys: grant.sysctlKeys ?? [key] }, key); // no sysctlKeys: the allowlist only
    } catch (e) {
      if (e instanceof CapError) throw new FakeHostError(e.payload);
      throw e;
    }
  };

  const impls: Record<string, Record<string, (...a: never[]) => unknown>> = {
    netns: {
      container: () => {
        if (!requestNetns.value) throw hostError("netns-gone", "the call has no CNI_NETNS");
        held.add(NS_IDS.container);
        return NS_IDS.container;
      },
      host: () => {
        if (!grant.hostNetns) throw hostError("denied", `plugin "${p.name}" is not granted the host network namespace`);
        held.add(NS_IDS.host);
        return NS_IDS.host;
      },
    },
    link: {
      list: (ns: number) => [...nsOf(ns).links.values()].map(info),
      get: (ns: number, name: string) => info(linkOf(ns, name)),
      create: (ns: number, spec: LinkSpec) => {
        const kinds = grant.linkKinds;
        if (kinds && !kinds.includes(spec.kind.tag)) throw hostError("denied", `plugin "${p.name}" is not granted link kind ${spec.kind.tag}`);
        const where = ns === NS_IDS.host ? "host" : "container";
        if (nsOf(ns).links.has(spec.name)) throw hostError("exists", spec.name);
        const l = addLink(where, spec.name, {
          kind: spec.kind.tag, ...(spec.mtu !== undefined && { mtu: spec.mtu }), ...(spec.mac && { mac: spec.mac }),
          ...(spec.kind.tag === "vrf" && { vrfTable: spec.kind.val.table }),
          ...(spec.kind.tag === "vxlan" && { vxlan: spec.kind.val }),
        });
        if (spec.kind.tag === "veth") {
          const peer = spec.kind.val;
          const other = nsOf(peer.ns);
          if (other.links.has(peer.name)) throw hostError("exists", peer.name);
          const q = addLink(peer.ns === NS_IDS.host ? "host" : "container", peer.name, { kind: "veth", ...(peer.mac && { mac: peer.mac }) });
          [l.peerIndex, q.peerIndex] = [q.index, l.index];
        }
        return info(l);
      },
      set: (ns: number, name: string, change: LinkChange) => {
        const l = linkOf(ns, name);
        if (change.master !== undefined) l.master = change.master === "" ? 0 : linkOf(ns, change.master).index;
        if (change.up !== undefined) l.up = change.up;
        if (change.mtu !== undefined) l.mtu = change.mtu;
        if (change.mac !== undefined) l.mac = change.mac;
        if (change.promisc !== undefined) l.promisc = change.promisc;
        if (change.allmulti !== undefined) l.allmulti = change.allmulti;
        if (change.txqlen !== undefined) l.txqlen = change.txqlen;
        if (change.alias !== undefined) l.alias = change.alias;
        const from = nsOf(ns);
        const to = change.netns !== undefined ? nsOf(change.netns) : from;
        const newName = change.name ?? name;
        if ((to !== from || newName !== name) && to.links.has(newName)) throw hostError("exists", newName);
        from.links.delete(name);
        l.name = newName;
        to.links.set(newName, l);
        return info(l);
      },
      setPort: ok,
      addPortVlans: ok,
      removePortVlans: ok,
      portVlans: () => [],
      delete: (ns: number, name: string) => {
        const l = linkOf(ns, name);
        nsOf(ns).links.delete(name);
        for (const n of [state.host, state.container]) {
          for (const [k, other] of n.links) if (other.index === l.peerIndex && l.kind === "veth") n.links.delete(k);
        }
      },
    },
    addr: {
      list: (ns: number, link: string, fam: T.Family): AddrInfo[] => {
        const l = linkOf(ns, link);
        return l.addrs.filter((c) => fam === "all" || family(c) === fam)
          .map((cidr) => ({ linkIndex: l.index, cidr, scope: cidr.startsWith("127.") || cidr === "::1/128" ? 254 : 0 }));
      },
      add: (ns: number, link: string, cidr: string) => {
        const l = linkOf(ns, link);
        if (l.addrs.includes(cidr)) throw hostError("exists", `address ${cidr} on ${link}`);
        l.addrs.push(cidr);
      },
      delete: (ns: number, link: string, cidr: string) => {
        const l = linkOf(ns, link);
        if (!l.addrs.includes(cidr)) throw hostError("not-found", `address ${cidr} on ${link}`);
        l.addrs = l.addrs.filter((c) => c !== cidr);
      },
      settle: ok,
    },
    route: {
      list: (ns: number, fam: T.Family, allTables: boolean) => nsOf(ns).routes
        .filter((r) => (fam === "all" || family(r.dst) === fam) && (allTables || (r.table ?? 254) === 254)).map((r) => ({ ...r })),
      add: (ns: number, r: RouteInfo) => {
        const n = nsOf(ns);
        if (r.dev !== undefined) linkOf(ns, r.dev);
        if (n.routes.some((x) => x.dst === r.dst && (x.table ?? 254) === (r.table ?? 254) && x.metric === r.metric)) throw hostError("exists", `route ${r.dst}`);
        n.routes.push({ ...r });
      },
      replace: (ns: number, r: RouteInfo) => {
        const n = nsOf(ns);
        n.routes = n.routes.filter((x) => !(x.dst === r.dst && (x.table ?? 254) === (r.table ?? 254) && x.metric === r.metric));
        n.routes.push({ ...r });
      },
      delete: (ns: number, r: RouteInfo) => {
        const n = nsOf(ns);
        const i = n.routes.findIndex((x) => sameRoute(x, r));
        if (i < 0) throw hostError("not-found", `route ${r.dst}`);
        n.routes.splice(i, 1);
      },
    },
    rule: {
      list: (ns: number, fam: T.Family) => nsOf(ns).rules.filter((r) => fam === "all" || r.family === fam).map((r) => ({ ...r })),
      add: (ns: number, r: RuleInfo) => {
        const n = nsOf(ns);
        if (n.rules.some((x) => JSON.stringify(x) === JSON.stringify(r))) throw hostError("exists", `rule from ${r.src ?? "all"}`);
        n.rules.push({ ...r });
      },
      delete: (ns: number, r: RuleInfo) => {
        const n = nsOf(ns);
        // As the kernel: every selector given must match; a lookup without a table matches any.
        const i = n.rules.findIndex((x) => (Object.keys(r) as (keyof RuleInfo)[])
          .every((k) => r[k] === undefined || k === "family" || (k === "invert" && !r.invert) || x[k] === r[k]));
        if (i < 0) throw hostError("not-found", `rule from ${r.src ?? "all"}`);
        n.rules.splice(i, 1);
      },
    },
    sysctl: {
      get: (ns: number, key: string) => {
        checkSysctl(ns, key);
        return nsOf(ns).sysctl.get(key) ?? "0"; // a key never set reads as a fresh netns's default would (mostly 0)
      },
      set: (ns: number, key: string, value: string) => {
        checkSysctl(ns, key);
        nsOf(ns).sysctl.set(key, value);
      },
    },
    store: {
      open: () => 0,
      get: (_b: number, key: string) => state.store.get(key),
      put: (_b: number, key: string, value: string) => void state.store.set(key, value),
      remove: (_b: number, key: string) => state.store.delete(key),
      entries: () => [...state.store].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      find: (_b: number, values: string[]) => {
        if (values.length === 0 || values.length > 8) throw hostError("invalid", `store.find takes 1 to 8 values, not ${values.length}`);
        const wanted = new Set(values.map((v) => v.trim()));
        return [...state.store].filter(([, v]) => wanted.has(v.trim())).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      },
    },
    log: { write: (level: string, message: string) => void state.log.push({ level, message }) },
    ipam: {
      add: () => {
        if (state.ipamResult === undefined) throw hostError("not-found", "the harness has no ipamResult");
        return state.ipamResult;
      },
      check: ok, del: ok, status: ok, gc: ok,
    },
    firewall: { ensureMasquerade: ok, ensureSpoofCheck: ok, list: () => [], remove: ok, retain: () => 0 },
    dns: { readResolvConf: () => ({ nameservers: [], domain: "", search: [], options: [] }) },
    // Recorded and scriptable, with no state of their own (as firewall): script list/redirects to answer otherwise.
    qdisc: { list: () => [], add: ok, replace: ok, delete: ok, addRedirect: ok, redirects: () => [], deleteRedirect: ok },
    neigh: { list: () => [], set: ok, delete: ok, fdb: () => [], setFdb: ok, deleteFdb: ok },
  };

  /** The import object: each function recorded, scriptable, its HostError thrown as the ABI's `err`. */
  const imports: Record<string, object> = {};
  for (const iface of p.imports) {
    const fns = impls[iface];
    if (!fns) throw new Error(`plugin "${p.name}" imports cni:host/${iface}, which the harness does not provide`);
    imports[`cni:host/${iface}`] = Object.fromEntries(Object.entries(fns).map(([f, impl]) => {
      const fn = `${iface}.${f}`;
      return [f, (...args: never[]) => {
        const call: HostCall = { fn, args, outcome: "ok" };
        calls.push(call);
        try {
          return (scripts.get(fn) ?? impl)(...args);
        } catch (e) {
          call.outcome = e instanceof FakeHostError ? describe(e.payload) : `bug: ${String(e)}`;
          throw e;
        }
      }];
    }));
  }

  const run = <V>(verb: string, config: object | string, opts: CallOptions): Outcome<V> => {
    requestNetns.value = opts.netns ?? "/run/netns/test";
    current.config = typeof config === "string" ? config : JSON.stringify(config);
    current.ifname = opts.ifname ?? "eth0";
    held.clear();
    const budget = new HostBytes(DEFAULT_MAX_HOST_BYTES);
    const request = {
      config: typeof config === "string" ? config : JSON.stringify(config),
      containerId: opts.containerId ?? "test-container",
      ifname: opts.ifname ?? "eth0",
      netns: requestNetns.value,
      args: opts.args ?? [],
    };
    let phase = "start function";
    try {
      // A new instance per verb, as the host makes one per call; its start function runs under the limit too.
      const r = runWithTimeLimit(() => {
        const core = instantiateCore(p.module, WORLD, imports, p.name, createGuestStringDecoder(p.name, DEFAULT_MAX_STRING_BYTES, budget));
        phase = verb;
        return core.call(verb, [request]);
      }, timeLimitMs) as { tag: "ok"; val: V } | { tag: "err"; val: PluginError };
      return r.tag === "ok" ? { ok: true, value: r.val } : { ok: false, error: r.val };
    } catch (e) {
      throw trapOf(p.name, phase, e);
    }
  };

  return {
    name: p.name,
    imports: p.imports,
    state,
    calls,
    script: (fn, s) => void scripts.set(fn, s),
    fail: (fn, error, times = Infinity) => {
      let left = times;
      const previous = scripts.get(fn);
      scripts.set(fn, (...args: never[]) => {
        if (left-- > 0) throw new FakeHostError(error);
        const [iface, f] = fn.split(".") as [string, string];
        return (previous ?? impls[iface]![f]!)(...args);
      });
    },
    addLink,
    add: (config, opts = {}) => {
      const r = run<string>("add", config, opts);
      return r.ok ? { ok: true, value: JSON.parse(r.value) as object } : r;
    },
    del: (config, opts = {}) => run("del", config, opts),
    check: (config, opts = {}) => run("check", config, opts),
    status: (config, opts = {}) => run("status", config, opts),
    gc: (config, opts = {}) => run("gc", config, opts),
  };
}
