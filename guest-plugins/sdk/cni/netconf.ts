// The network configuration a plugin receives, like libcni's types.NetConf: the common keys
// parsed and checked, the rest left to the plugin through the same reader, so that one
// error lists every bad field (code 7), and broken JSON is code 6 as in skel.
import { parseJson, JsonValue, ObjectReader } from "../json/index";
import { CniError } from "../bindings/types";
import { newCniError, invalidConfigError } from "./cni-error";
import { Dns } from "./dns";
import { ResultParse, resultFromValue } from "./result-read";
import { CniErrorCode, E_DECODE_CONFIG, E_NO_PREV_RESULT } from "./errors";

export class NetConf {
  cniVersion: string = "";
  name: string = "";
  type: string = "";
  /** The "ipam" object as given (null when absent), and its "type". */
  ipam: JsonValue | null = null;
  ipamType: string = "";
  dns: Dns = new Dns();
  /** Raw objects for the plugin to read: prevResult, runtimeConfig, args, capabilities. */
  prevResult: JsonValue | null = null;
  runtimeConfig: JsonValue | null = null;
  args: JsonValue | null = null;
  capabilities: JsonValue | null = null;

  /** `text`: the config as received (IPAM delegation passes it on); `reader`: for plugin keys. */
  constructor(public text: string, public value: JsonValue, public reader: ObjectReader) {}

  /** After reading the plugin's own keys with `reader`: code 7 listing every problem, or null. */
  check(): CniError | null {
    const errors = this.reader.errors;
    return errors.ok ? null : invalidConfigError(errors.toString());
  }

  /** The prevResult as a CniResult; code 7 when it is absent or malformed. */
  parsePrevResult(): ResultParse {
    const prev = this.prevResult;
    if (prev == null) return new ResultParse(null, invalidConfigError(E_NO_PREV_RESULT));
    return resultFromValue(prev, "prevResult");
  }
}

/** A config, or the error that says why it could not be read. */
export class NetConfParse {
  constructor(public conf: NetConf | null, public error: CniError | null) {}
  get ok(): bool { return this.conf != null; }
}

/**
 * Parses a network config. Fails with code 6 when the JSON is broken and with code 7 when a
 * common key is missing or of the wrong type:
 *
 *   const p = parseNetConf(req.config);
 *   if (!p.ok) return p.error;
 *   const conf = p.conf!;
 *   const bridge = conf.reader.optString("bridge", "cni0");
 *   const bad = conf.check(); if (bad != null) return bad;
 */
export function parseNetConf(text: string): NetConfParse {
  const p = parseJson(text);
  if (!p.ok) return new NetConfParse(null, newCniError(CniErrorCode.DECODE_FAILURE, E_DECODE_CONFIG, p.message()));
  const r = ObjectReader.root(p.value!);
  if (!r.errors.ok) return new NetConfParse(null, invalidConfigError(r.errors.toString())); // not an object
  const conf = new NetConf(text, p.value!, r);
  conf.cniVersion = r.string("cniVersion");
  conf.name = r.string("name");
  conf.type = r.string("type");
  const ipam = r.optObject("ipam");
  if (ipam != null) {
    conf.ipam = ipam.value;
    conf.ipamType = ipam.optString("type"); // bridge allows "ipam": {} (L2 only)
  }
  const dns = r.optObject("dns");
  if (dns != null) conf.dns = Dns.read(dns);
  conf.prevResult = rawObject(r, "prevResult");
  conf.runtimeConfig = rawObject(r, "runtimeConfig");
  conf.args = rawObject(r, "args");
  conf.capabilities = rawObject(r, "capabilities");
  const bad = conf.check();
  return bad != null ? new NetConfParse(null, bad) : new NetConfParse(conf, null);
}

/** An optional object member, kept raw; a non-object is recorded. */
function rawObject(r: ObjectReader, key: string): JsonValue | null {
  const o = r.optObject(key);
  return o == null ? null : o.value;
}
