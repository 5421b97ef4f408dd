/**
 * Runs a network configuration list as libcni does (libcni/api.go, pkg/invoke): ADD in order
 * with each result as the next `prevResult`, DEL in reverse and CHECK in order with the cached
 * ADD result, GC and STATUS for 1.1.0 lists, VERSION, and libcni's result cache
 * (`<cacheDir>/results/<network>-<containerID>-<ifname>`, kind `cniCacheV1`). Each plugin is
 * found in `path` and exec'd through tools/cni-exec.ts with the six CNI_* variables libcni
 * always sets (empty when unset). Like libcni, `capabilities` stays in the plugin config and
 * injected keys replace the config's own.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { convertResult, prevResultToCurrent } from "../host/cni/convert";
import { compareVersions, isSupportedVersion } from "../host/cni/version";
import { cniExec, type CniInvocation, type CniOutcome } from "./cni-exec";

export type JsonObject = Record<string, unknown>;
/** One plugin configuration object of a list. */
export type PluginConf = JsonObject & { type: string };

/** A conflist as libcni's NetworkConfFromBytes reads it. */
export interface Conflist {
  name: string;
  /** `cniVersion`, raised to the highest `cniVersions` entry that is not above 1.1.0. */
  cniVersion: string;
  disableCheck: boolean;
  disableGC: boolean;
  plugins: PluginConf[];
  /** The list's text, cached (base64) with each ADD result as libcni's `config`. */
  bytes: string;
}

/** The per-attachment parameters (libcni's RuntimeConf). */
export interface Attachment {
  containerId: string;
  ifname: string;
  netns?: string;
  /** CNI_ARGS as ordered pairs, joined "K=V;K2=V2". */
  args?: [string, string][];
  /** Capability arguments; each key a plugin's `capabilities` enables goes into its `runtimeConfig`. */
  capabilityArgs?: JsonObject;
}

export type PluginExec = (inv: CniInvocation) => CniOutcome;

export interface RunnerOptions {
  /** CNI_PATH: the directories searched for each plugin's `type`. */
  path: string[];
  /** Default /var/lib/cni, as libcni's CacheDir. */
  cacheDir?: string;
  /** Default cniExec; tests pass a fake or a recorder. */
  exec?: PluginExec;
  /** Exec every plugin inside this named netns (the "host" of the calls). */
  inNetns?: string;
  env?: Record<string, string>;
}

/** A failed call: the plugin's error JSON (code, msg, details) or the runner's own. */
export class ConflistError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly details?: string,
    readonly plugin?: string,
    readonly errors: ConflistError[] = [],
  ) {
    super(message);
  }
}

export interface ConflistRunner {
  add(list: Conflist, att: Attachment): JsonObject;
  del(list: Conflist, att: Attachment): void;
  check(list: Conflist, att: Attachment): void;
  /** Deletes cached attachments not in `valid`, then GCs each plugin (1.1.0); every error is kept. */
  gc(list: Conflist, valid?: { containerID: string; ifname: string }[]): void;
  status(list: Conflist): void;
  version(type: string): { cniVersion: string; supportedVersions: string[] };
  cachedResult(list: Conflist, att: Attachment): JsonObject | undefined;
  cacheFile(network: string, att: Pick<Attachment, "containerId" | "ifname">): string;
}

const CURRENT = "1.1.0";
const CACHE_KIND = "cniCacheV1";
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const atLeast = (v: string, min: string): boolean => compareVersions(v || "0.1.0", min) >= 0;

/** Parses a conflist like libcni (name required, cniVersions, bool-or-string flags, `type` per plugin). */
export function parseConflist(input: string | JsonObject): Conflist {
  const bytes = typeof input === "string" ? input : JSON.stringify(input);
  const raw: unknown = JSON.parse(bytes);
  const bad = (why: string) => new ConflistError(`error parsing configuration list: ${why}`, undefined);
  if (!isObject(raw)) throw bad("not an object");
  if (typeof raw["name"] !== "string") throw bad("no name");
  const given = raw["cniVersion"] ?? "";
  if (typeof given !== "string") throw bad("invalid cniVersion type");
  let cniVersion = given;
  const listed = raw["cniVersions"];
  if (listed !== undefined) {
    if (!Array.isArray(listed) || !listed.every((v) => typeof v === "string")) throw bad("invalid cniVersions");
    const usable = [...listed, ...(cniVersion ? [cniVersion] : [])].filter((v) => compareVersions(v, CURRENT) <= 0);
    cniVersion = usable.sort(compareVersions).at(-1) ?? cniVersion;
  }
  const flag = (key: string): boolean => {
    const v = raw[key];
    if (v === undefined || typeof v === "boolean") return v ?? false;
    if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
    throw bad(`invalid value ${JSON.stringify(v)} for ${key}`);
  };
  const plugins = raw["plugins"];
  if (!Array.isArray(plugins) || plugins.length === 0) throw bad("no plugins in list");
  for (const p of plugins) if (!isObject(p) || typeof p["type"] !== "string" || p["type"] === "") throw bad("missing 'type'");
  return { name: raw["name"], cniVersion, disableCheck: flag("disableCheck"), disableGC: flag("disableGC"), plugins: plugins as PluginConf[], bytes };
}

/** libcni's RawExec.pluginErr: the error JSON on stdout, else stderr, else the exit status. */
function pluginError(out: CniOutcome, plugin: string, verb: string): ConflistError {
  const lead = `plugin type=${JSON.stringify(plugin)} failed (${verb.toLowerCase()})`;
  if (out.stdout === "") {
    const msg = out.stderr === "" ? `netplugin failed with no error message: exit status ${out.code}` : `netplugin failed: ${JSON.stringify(out.stderr)}: exit status ${out.code}`;
    return new ConflistError(`${lead}: ${msg}`, undefined, undefined, plugin);
  }
  const e = out.json;
  if (!isObject(e)) return new ConflistError(`${lead}: netplugin failed but error parsing its diagnostic message ${JSON.stringify(out.stdout)}`, undefined, undefined, plugin);
  const msg = typeof e["msg"] === "string" ? e["msg"] : "";
  const details = typeof e["details"] === "string" ? e["details"] : undefined;
  return new ConflistError(`${lead}: ${msg}${details ? `; ${details}` : ""}`, typeof e["code"] === "number" ? e["code"] : 0, details, plugin);
}

/** libcni's buildOneConfig: name and cniVersion, prevResult when there is one, runtimeConfig from capabilities. */
export function buildPluginConfig(list: Conflist, plugin: PluginConf, prevResult: JsonObject | undefined, att?: Attachment): JsonObject {
  const conf: JsonObject = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (prevResult !== undefined) conf["prevResult"] = prevResult;
  const caps = isObject(plugin["capabilities"]) ? plugin["capabilities"] : {};
  const rc = Object.fromEntries(Object.entries(att?.capabilityArgs ?? {}).filter(([k]) => caps[k] === true));
  if (Object.keys(rc).length > 0) conf["runtimeConfig"] = rc;
  return conf;
}

export function createConflistRunner(opts: RunnerOptions): ConflistRunner {
  const exec = opts.exec ?? cniExec;
  const cacheDir = opts.cacheDir ?? "/var/lib/cni";

  const find = (type: string): string => {
    if (type.includes("/")) throw new ConflistError(`invalid plugin name: ${type}`, undefined);
    for (const dir of opts.path) {
      try {
        if (statSync(join(dir, type)).isFile()) return join(dir, type);
      } catch {
        // not in this directory
      }
    }
    throw new ConflistError(`failed to find plugin ${JSON.stringify(type)} in path [${opts.path.join(" ")}]`, undefined);
  };

  /** One exec with libcni's environment: all six CNI_* set, empty when not given. */
  const run = (verb: CniInvocation["command"], type: string, config: JsonObject, att?: Attachment): CniOutcome => {
    const out = exec({
      binary: find(type), command: verb, config: JSON.stringify(config), path: opts.path.join(":"),
      containerId: att?.containerId ?? "", netns: att?.netns ?? "", ifname: att?.ifname ?? "",
      args: (att?.args ?? []).map((kv) => kv.join("=")).join(";"),
      ...(opts.inNetns !== undefined && { inNetns: opts.inNetns }), ...(opts.env !== undefined && { env: opts.env }),
    });
    if (out.code !== 0) throw pluginError(out, type, verb);
    return out;
  };

  const cacheFile = (network: string, att: Pick<Attachment, "containerId" | "ifname">): string => {
    if (!network || !att.containerId || !att.ifname) throw new ConflistError("cache file path requires network name, container ID, and interface name", undefined);
    return join(cacheDir, "results", `${network}-${att.containerId}-${att.ifname}`);
  };

  /** libcni's getCachedResult: a cniCacheV1 record (else a bare legacy result), in the list's version. */
  const cachedResult = (list: Conflist, att: Attachment): JsonObject | undefined => {
    let text: string;
    try {
      text = readFileSync(cacheFile(list.name, att), "utf8");
    } catch {
      return undefined;
    }
    const record: unknown = JSON.parse(text);
    const result = isObject(record) && record["kind"] === CACHE_KIND ? record["result"] : record;
    if (!isObject(result)) throw new ConflistError(`failed to get network ${JSON.stringify(list.name)} cached result`, undefined);
    const v = list.cniVersion;
    if ((result["cniVersion"] ?? v) === v || !isSupportedVersion(v)) return { ...result, cniVersion: v };
    return convertResult(prevResultToCurrent(result, v).result, v);
  };

  const add = (list: Conflist, att: Attachment): JsonObject => {
    const invalid = [
      [att.containerId === "" ? 3 : 4, NAME.test(att.containerId), att.containerId === "" ? "missing containerID" : "invalid characters in containerID"],
      [7, NAME.test(list.name), "invalid characters found in network name"],
      [4, /^[^/:\s]{1,15}$/.test(att.ifname) && att.ifname !== "." && att.ifname !== "..", "invalid interface name"],
    ] as const;
    for (const [code, ok, msg] of invalid) if (!ok) throw new ConflistError(msg, code);
    let result: JsonObject | undefined;
    for (const plugin of list.plugins) {
      const out = run("ADD", plugin.type, buildPluginConfig(list, plugin, result, att), att);
      if (!isObject(out.json)) throw new ConflistError(`plugin type=${JSON.stringify(plugin.type)} failed (add): result is not a JSON object`, undefined, out.stdout, plugin.type);
      result = { ...out.json, cniVersion: out.json["cniVersion"] || list.cniVersion };
    }
    const record = {
      kind: CACHE_KIND, containerId: att.containerId, config: Buffer.from(list.bytes).toString("base64"), ifName: att.ifname, networkName: list.name,
      ...(att.netns && { netns: att.netns }), ...(att.args?.length && { cniArgs: att.args }),
      ...(att.capabilityArgs && Object.keys(att.capabilityArgs).length > 0 && { capabilityArgs: att.capabilityArgs }), result,
    };
    const file = cacheFile(list.name, att);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
    return result ?? {};
  };

  /** libcni's cacheDel: errors (no path, no file) are ignored. */
  const dropCache = (list: Conflist, att: Attachment): void => {
    try {
      rmSync(cacheFile(list.name, att), { force: true });
    } catch {
      // ignored, as in libcni
    }
  };

  const del = (list: Conflist, att: Attachment): void => {
    let prev: JsonObject | undefined;
    if (atLeast(list.cniVersion, "0.4.0")) {
      try {
        prev = cachedResult(list, att);
      } catch {
        dropCache(list, att);
      }
    }
    for (const plugin of [...list.plugins].reverse()) run("DEL", plugin.type, buildPluginConfig(list, plugin, prev, att), att);
    dropCache(list, att);
  };

  const check = (list: Conflist, att: Attachment): void => {
    if (!atLeast(list.cniVersion, "0.4.0")) throw new ConflistError(`configuration version ${JSON.stringify(list.cniVersion)} does not support the CHECK command`, undefined);
    if (list.disableCheck) return;
    const prev = cachedResult(list, att);
    for (const plugin of list.plugins) run("CHECK", plugin.type, buildPluginConfig(list, plugin, prev, att), att);
  };

  const gc = (list: Conflist, valid?: { containerID: string; ifname: string }[]): void => {
    if (list.disableGC) return;
    const errors: ConflistError[] = [];
    const keep = (r: JsonObject) => valid?.some((a) => a.containerID === r["containerId"] && a.ifname === r["ifName"]) ?? false;
    for (const r of cachedRecords(cacheDir).filter((r) => r["networkName"] === list.name && !keep(r))) {
      const att: Attachment = { containerId: String(r["containerId"]), ifname: String(r["ifName"]), ...(typeof r["netns"] === "string" && { netns: r["netns"] }) };
      if (Array.isArray(r["cniArgs"])) att.args = r["cniArgs"] as [string, string][];
      if (isObject(r["capabilityArgs"])) att.capabilityArgs = r["capabilityArgs"];
      try {
        del(list, att);
      } catch (e) {
        errors.push(e instanceof ConflistError ? e : new ConflistError(String(e), undefined));
      }
    }
    if (atLeast(list.cniVersion, "1.1.0")) {
      const inject = valid === undefined ? {} : { "cni.dev/valid-attachments": valid, "cni.dev/attachments": valid };
      for (const plugin of list.plugins) {
        try {
          run("GC", plugin.type, { ...plugin, name: list.name, cniVersion: list.cniVersion, ...inject });
        } catch (e) {
          errors.push(e instanceof ConflistError ? e : new ConflistError(String(e), undefined));
        }
      }
    }
    if (errors.length > 0) throw new ConflistError(errors.map((e) => e.message).join("\n"), errors[0]?.code, undefined, undefined, errors);
  };

  const status = (list: Conflist): void => {
    if (!atLeast(list.cniVersion, "1.1.0")) return;
    for (const plugin of list.plugins) run("STATUS", plugin.type, { ...plugin, name: list.name, cniVersion: list.cniVersion });
  };

  /** libcni's GetVersionInfo: dummy CNI_NETNS, CNI_IFNAME and CNI_PATH, stdin {"cniVersion":"1.1.0"}. */
  const version = (type: string) => {
    const out = exec({ binary: find(type), command: "VERSION", config: JSON.stringify({ cniVersion: CURRENT }), containerId: "", netns: "dummy", ifname: "dummy", args: "", path: "dummy", ...(opts.inNetns !== undefined && { inNetns: opts.inNetns }), ...(opts.env !== undefined && { env: opts.env }) });
    if (out.code !== 0) throw pluginError(out, type, "VERSION");
    const v = out.json;
    if (!isObject(v) || !Array.isArray(v["supportedVersions"])) throw new ConflistError(`plugin ${type}: VERSION printed no version info`, undefined, out.stdout, type);
    return { cniVersion: String(v["cniVersion"]), supportedVersions: v["supportedVersions"].map(String) };
  };

  return { add, del, check, gc, status, version, cachedResult, cacheFile };
}

/** Every cniCacheV1 record under `<cacheDir>/results`, in file-name order (libcni's GetCachedAttachments). */
function cachedRecords(cacheDir: string): JsonObject[] {
  let names: string[];
  try {
    names = readdirSync(join(cacheDir, "results")).sort();
  } catch {
    return [];
  }
  const out: JsonObject[] = [];
  for (const n of names) {
    try {
      const r: unknown = JSON.parse(readFileSync(join(cacheDir, "results", n), "utf8"));
      if (isObject(r) && r["kind"] === CACHE_KIND && r["ifName"] && r["networkName"]) out.push(r);
    } catch {
      // unreadable records are skipped, as in libcni
    }
  }
  return out;
}
