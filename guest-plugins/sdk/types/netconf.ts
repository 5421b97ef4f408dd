// The network configuration a plugin receives, like libcni's types.NetConf: the common keys
// parsed and checked, the rest left to the plugin through the same reader, so that one
// error lists every bad field (code 7), and broken JSON is code 6 as in skel.
import { parseJson, JsonValue, ObjectReader } from "../json/index";
import { CniError } from "../bindings/types";
import { Result, Unit, ok } from "../abi/result";
import { newCniError, invalidConfigError, Done, done, fail } from "./cni-error";
import { Dns } from "./dns";
import { CniResult } from "./result";
import { resultFromValue } from "./result-read";
import { CniErrorCode, E_DECODE_CONFIG, E_NO_PREV_RESULT } from "./errors";

/** The network config of a call (parseNetConf): the common keys checked, the rest through `reader`. */
export class NetConf {
  /** The runtime's spec version ("1.0.0"); the result is in CURRENT_VERSION whatever it says. */
  cniVersion: string = "";
  /** The network name. */
  name: string = "";
  /** The plugin's name. */
  type: string = "";
  /** The "ipam" object as given (null when absent), and its "type". */
  ipam: JsonValue | null = null;
  /** `ipam.type`: the IPAM plugin to delegate to ("" for none). */
  ipamType: string = "";
  /** The config's "dns" (empty when absent). */
  dns: Dns = new Dns();
  /** Raw objects for the plugin to read: prevResult, runtimeConfig, args, capabilities. */
  prevResult: JsonValue | null = null;
  /** The runtime's capability arguments (null when absent). */
  runtimeConfig: JsonValue | null = null;
  /** The config's "args" (null when absent). */
  args: JsonValue | null = null;
  /** The capabilities the config declares (null when absent). */
  capabilities: JsonValue | null = null;

  /** `text`: the config as received (IPAM delegation passes it on); `reader`: for plugin keys. */
  constructor(public text: string, public value: JsonValue, public reader: ObjectReader) {}

  /** After reading the plugin's own keys with `reader`: done, or code 7 listing every problem. */
  check(): Done {
    const errors = this.reader.errors;
    return errors.ok ? done() : fail<Unit>(invalidConfigError(errors.toString()));
  }

  /** The prevResult as a CniResult; code 7 when it is absent or malformed. */
  parsePrevResult(): Result<CniResult, CniError> {
    const prev = this.prevResult;
    if (prev == null) return fail<CniResult>(invalidConfigError(E_NO_PREV_RESULT));
    return resultFromValue(prev, "prevResult");
  }
}

/**
 * Parses a network config. Fails with code 6 when the JSON is broken and with code 7 when a
 * common key is missing or of the wrong type:
 *
 *   const p = parseNetConf(req.config);
 *   if (p.isErr) return p.pass<MyConf>();
 *   const conf = p.value;
 *   const bridge = conf.reader.optString("bridge", "cni0");
 *   const bad = conf.check(); if (bad.isErr) return bad.pass<MyConf>();
 */
export function parseNetConf(text: string): Result<NetConf, CniError> {
  const p = parseJson(text);
  if (p.isErr) return fail<NetConf>(newCniError(CniErrorCode.DECODE_FAILURE, E_DECODE_CONFIG, p.error.message));
  const r = ObjectReader.root(p.value);
  if (!r.errors.ok) return fail<NetConf>(invalidConfigError(r.errors.toString())); // not an object
  const conf = new NetConf(text, p.value, r);
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
  return bad.isErr ? bad.pass<NetConf>() : ok<NetConf, CniError>(conf);
}

/** An optional object member, kept raw; a non-object is recorded. */
function rawObject(r: ObjectReader, key: string): JsonValue | null {
  const o = r.optObject(key);
  return o == null ? null : o.value;
}
