// A controller's options: view.options, the JSON object of the agent config's
// `controller.options`, read as a plugin reads its config (json/reader.ts): every problem named
// by its path ("options.vni") and reported at once as code 7, before anything is changed.
import { CniError } from "../bindings/index";
import { Result, Unit, ok } from "../abi/index";
import { JsonValue, ObjectReader, parseJson } from "../json/index";
import { CniErrorCode, Done, done, fail, newCniError } from "../types/index";

// @ts-ignore: decorator
@lazy @inline const E_INVALID_OPTIONS = "invalid controller options";

/** The options object, read member by member through `reader`; then `check`. */
export class ControllerOptions {
  /** Reads the members; problems are kept until `check`. */
  constructor(public reader: ObjectReader) {}

  /**
   * Done, or code 7 listing every problem the reads recorded and every key not in `known` (a
   * misspelt option would otherwise be ignored without a word).
   */
  check(known: string[]): Done {
    const v = this.reader.value;
    for (let i = 0; i < v.length; i++) {
      const key = v.keyAt(i);
      if (!known.includes(key)) this.reader.fail(key, "is not an option of this controller (known: " + known.join(", ") + ")");
    }
    const errors = this.reader.errors;
    return errors.ok ? done() : fail<Unit>(newCniError(CniErrorCode.INVALID_NETWORK_CONFIG, E_INVALID_OPTIONS, errors.toString()));
  }
}

/**
 * Parses view.options ("" reads as {}); code 7 when it is not JSON or not an object.
 *
 *   const o = parseOptions(view.options); if (o.isErr) return o.pass<Unit>();
 *   const vni = o.value.reader.optU32("vni", 1);
 *   const bad = o.value.check(["vni"]); if (bad.isErr) return bad;
 */
export function parseOptions(json: string): Result<ControllerOptions, CniError> {
  let value = JsonValue.newObject();
  if (json.trim().length > 0) {
    const p = parseJson(json);
    if (p.isErr) return fail<ControllerOptions>(newCniError(CniErrorCode.INVALID_NETWORK_CONFIG, E_INVALID_OPTIONS, "options are not JSON: " + p.error.message));
    value = p.value;
  }
  const r = ObjectReader.root(value, "options");
  if (!r.errors.ok) return fail<ControllerOptions>(newCniError(CniErrorCode.INVALID_NETWORK_CONFIG, E_INVALID_OPTIONS, r.errors.toString()));
  return ok<ControllerOptions, CniError>(new ControllerOptions(r));
}
