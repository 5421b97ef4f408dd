// The result of ADD in the current spec version (1.1.0; libcni's pkg/types/100). A plugin
// always returns this version; the host converts it to the version the runtime asked for.
// Absent optional numbers: 0 for mtu/advmss/priority (Go's omitempty), -1 for table/scope/interface.
import { JsonWriter } from "../json/index";
import { IP, IPNet } from "../netip/index";
import { Dns } from "./dns";

/** The spec version a plugin's result is in; the host converts it to the runtime's. */
// @ts-ignore: decorator
@lazy @inline export const CURRENT_VERSION = "1.1.0";

/** An entry of a result's `interfaces`, as libcni's Interface. */
export class Interface {
  /** 0: not reported. */
  mtu: u32 = 0;
  /** A vhost-user or similar socket ("" for none). */
  socketPath: string = "";
  /** The PCI address of a device ("" for none). */
  pciID: string = "";
  /** `sandbox`: the netns path of a container interface, "" for a host one. */
  constructor(public name: string, public mac: string = "", public sandbox: string = "") {}
}

/** An entry of a result's `ips`: an address with its prefix, its gateway, its interface. */
export class IPConfig {
  /** `interfaceIndex`: the entry of `interfaces` it is on, -1 for none. */
  constructor(public address: IPNet, public gateway: IP | null = null, public interfaceIndex: i32 = -1) {}
}

/** An entry of a result's `routes`, as libcni's Route. */
export class Route {
  /** 0: not set. */
  mtu: u32 = 0;
  /** 0: not set. */
  advmss: u32 = 0;
  /** The metric; 0: not set. */
  priority: u32 = 0;
  /** -1: the main table. */
  table: i64 = -1;
  /** RT_SCOPE_* number; -1: not set. */
  scope: i32 = -1;
  /** A route to `dst`, via `gw` when not null. */
  constructor(public dst: IPNet, public gw: IP | null = null) {}
}

/** The result of ADD (and a prevResult), as libcni's types/100 Result. */
export class CniResult {
  /** Set to CURRENT_VERSION before returning a result read from elsewhere. */
  cniVersion: string = CURRENT_VERSION;
  /** The interfaces the plugin (and those before it) made. */
  interfaces: Interface[] = [];
  /** The addresses, each naming its interface. */
  ips: IPConfig[] = [];
  /** The routes the container gets. */
  routes: Route[] = [];
  /** Left out of the JSON when empty. */
  dns: Dns = new Dns();

  /** Appends an interface; returns its index for IPConfig.interfaceIndex. */
  addInterface(name: string, mac: string = "", sandbox: string = ""): i32 {
    this.interfaces.push(new Interface(name, mac, sandbox));
    return this.interfaces.length - 1;
  }

  /** Appends an address ("10.1.0.5/24" with its gateway) of interface `iface` (-1: none). */
  addIP(address: IPNet, gateway: IP | null, iface: i32 = -1): IPConfig {
    const c = new IPConfig(address, gateway, iface);
    this.ips.push(c);
    return c;
  }

  /** Appends a route. */
  addRoute(dst: IPNet, gw: IP | null = null): Route {
    const r = new Route(dst, gw);
    this.routes.push(r);
    return r;
  }

  /** The result JSON, keys in libcni's order, empty lists and unset fields left out. */
  toJson(): string {
    const w = new JsonWriter();
    w.beginObject().key("cniVersion").string(this.cniVersion);
    if (this.interfaces.length > 0) {
      w.key("interfaces").beginArray();
      for (let i = 0; i < this.interfaces.length; i++) writeInterface(w, this.interfaces[i]);
      w.endArray();
    }
    if (this.ips.length > 0) {
      w.key("ips").beginArray();
      for (let i = 0; i < this.ips.length; i++) writeIPConfig(w, this.ips[i]);
      w.endArray();
    }
    if (this.routes.length > 0) {
      w.key("routes").beginArray();
      for (let i = 0; i < this.routes.length; i++) writeRoute(w, this.routes[i]);
      w.endArray();
    }
    if (!this.dns.isEmpty()) {
      w.key("dns");
      this.dns.write(w);
    }
    return w.endObject().toString();
  }
}

function writeInterface(w: JsonWriter, it: Interface): void {
  w.beginObject().key("name").string(it.name);
  if (it.mac.length > 0) w.key("mac").string(it.mac);
  if (it.mtu > 0) w.key("mtu").int(it.mtu);
  if (it.sandbox.length > 0) w.key("sandbox").string(it.sandbox);
  if (it.socketPath.length > 0) w.key("socketPath").string(it.socketPath);
  if (it.pciID.length > 0) w.key("pciID").string(it.pciID);
  w.endObject();
}

function writeIPConfig(w: JsonWriter, c: IPConfig): void {
  w.beginObject();
  if (c.interfaceIndex >= 0) w.key("interface").int(c.interfaceIndex);
  w.key("address").string(c.address.toString());
  const gw = c.gateway;
  if (gw != null) w.key("gateway").string(gw.toString());
  w.endObject();
}

function writeRoute(w: JsonWriter, r: Route): void {
  w.beginObject().key("dst").string(r.dst.toString());
  const gw = r.gw;
  if (gw != null) w.key("gw").string(gw.toString());
  if (r.mtu > 0) w.key("mtu").int(r.mtu);
  if (r.advmss > 0) w.key("advmss").int(r.advmss);
  if (r.priority > 0) w.key("priority").int(r.priority);
  if (r.table >= 0) w.key("table").int(r.table);
  if (r.scope >= 0) w.key("scope").int(r.scope);
  w.endObject();
}
