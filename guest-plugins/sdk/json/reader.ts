// Config reading that collects every problem instead of stopping at the first, and names
// each field by its path: `field "ipam.ranges[0][0].subnet" must be a string`. A JSON null
// counts as absent, as it does for Go's encoding/json.
import { JsonValue, JsonKind } from "./value";
import {
  E_REQUIRED, E_MUST_STRING, E_MUST_BOOL, E_MUST_NUMBER, E_MUST_U32, E_MUST_I64,
  E_MUST_OBJECT, E_MUST_ARRAY,
} from "./errors";

/** The problems found while reading one config. */
export class FieldErrors {
  list: string[] = [];

  get ok(): bool { return this.list.length == 0; }

  /** Records `field "<path>" <msg>`. */
  add(path: string, msg: string): void {
    this.list.push("field \"" + path + "\" " + msg);
  }

  /** All problems, "; "-separated ("" when none). */
  toString(): string { return this.list.join("; "); }
}

/** Joins a path and a key: "ipam" + "subnet" is "ipam.subnet". */
function child(path: string, key: string): string {
  return path.length == 0 ? key : path + "." + key;
}

/** A member of an object as the reader sees it: null when absent or JSON null. */
function present(v: JsonValue | null): JsonValue | null {
  return v == null || v.kind == JsonKind.NULL ? null : v;
}

/** Reads the members of one object. Required getters record a problem and return a zero value. */
export class ObjectReader {
  constructor(public value: JsonValue, public path: string, public errors: FieldErrors) {}

  /** A reader for a top-level config; a non-object records `field "<path>" must be an object`. */
  static root(v: JsonValue, path: string = ""): ObjectReader {
    const errors = new FieldErrors();
    if (!v.isObject()) {
      errors.add(path.length == 0 ? "(config)" : path, E_MUST_OBJECT);
      return new ObjectReader(JsonValue.newObject(), path, errors);
    }
    return new ObjectReader(v, path, errors);
  }

  /** The path of a member: "ipam.subnet". */
  pathOf(key: string): string { return child(this.path, key); }

  /** Records a problem with a member: fail("subnet", "must be a CIDR"). */
  fail(key: string, msg: string): void { this.errors.add(this.pathOf(key), msg); }

  /** True when the member is present and not null. */
  has(key: string): bool { return present(this.value.get(key)) != null; }

  /** The member as it is (null when absent or null). */
  raw(key: string): JsonValue | null { return present(this.value.get(key)); }

  private typed(key: string, kind: JsonKind, required: bool, msg: string): JsonValue | null {
    const v = present(this.value.get(key));
    if (v == null) {
      if (required) this.fail(key, E_REQUIRED);
      return null;
    }
    if (v.kind != kind) { this.fail(key, msg); return null; }
    return v;
  }

  string(key: string): string { return this.optString(key, "", true); }
  optString(key: string, def: string = "", required: bool = false): string {
    const v = this.typed(key, JsonKind.STRING, required, E_MUST_STRING);
    return v == null ? def : v.asString();
  }

  bool(key: string): bool { return this.optBool(key, false, true); }
  optBool(key: string, def: bool = false, required: bool = false): bool {
    const v = this.typed(key, JsonKind.BOOL, required, E_MUST_BOOL);
    return v == null ? def : v.asBool();
  }

  number(key: string): f64 { return this.optNumber(key, 0, true); }
  optNumber(key: string, def: f64 = 0, required: bool = false): f64 {
    const v = this.typed(key, JsonKind.NUMBER, required, E_MUST_NUMBER);
    return v == null ? def : v.asNumber();
  }

  u32(key: string): u32 { return this.optU32(key, 0, true); }
  optU32(key: string, def: u32 = 0, required: bool = false): u32 {
    const v = this.typed(key, JsonKind.NUMBER, required, E_MUST_U32);
    if (v == null) return def;
    if (!v.isU32()) { this.fail(key, E_MUST_U32); return def; }
    return <u32>v.asI64();
  }

  i64(key: string): i64 { return this.optI64(key, 0, true); }
  optI64(key: string, def: i64 = 0, required: bool = false): i64 {
    const v = this.typed(key, JsonKind.NUMBER, required, E_MUST_I64);
    if (v == null) return def;
    if (!v.isInteger()) { this.fail(key, E_MUST_I64); return def; }
    return v.asI64();
  }

  /** A nested object's reader (sharing this reader's errors); null when absent or wrong. */
  object(key: string): ObjectReader | null { return this.optObject(key, true); }
  optObject(key: string, required: bool = false): ObjectReader | null {
    const v = this.typed(key, JsonKind.OBJECT, required, E_MUST_OBJECT);
    return v == null ? null : new ObjectReader(v, this.pathOf(key), this.errors);
  }

  /** A nested array's reader; null when absent or wrong. */
  array(key: string): ArrayReader | null { return this.optArray(key, true); }
  optArray(key: string, required: bool = false): ArrayReader | null {
    const v = this.typed(key, JsonKind.ARRAY, required, E_MUST_ARRAY);
    return v == null ? null : new ArrayReader(v, this.pathOf(key), this.errors);
  }

  /** An array of strings; items of another kind are recorded and skipped. [] when absent. */
  optStrings(key: string): string[] {
    const a = this.optArray(key);
    const out: string[] = [];
    if (a == null) return out;
    for (let i = 0; i < a.length; i++) {
      const s = a.stringAt(i);
      if (s != null) out.push(s);
    }
    return out;
  }
}

/** Reads the items of one array; each item's path is "<path>[i]". */
export class ArrayReader {
  constructor(public value: JsonValue, public path: string, public errors: FieldErrors) {}

  get length(): i32 { return this.value.length; }

  pathAt(i: i32): string { return this.path + "[" + i.toString() + "]"; }

  /** Records a problem with item i. */
  fail(i: i32, msg: string): void { this.errors.add(this.pathAt(i), msg); }

  /** Item i as it is. */
  at(i: i32): JsonValue | null { return this.value.at(i); }

  private typed(i: i32, kind: JsonKind, msg: string): JsonValue | null {
    const v = this.value.at(i);
    if (v == null || v.kind != kind) { this.fail(i, msg); return null; }
    return v;
  }

  /** Item i if it is a string; records a problem and returns null otherwise. */
  stringAt(i: i32): string | null {
    const v = this.typed(i, JsonKind.STRING, E_MUST_STRING);
    return v == null ? null : v.asString();
  }

  objectAt(i: i32): ObjectReader | null {
    const v = this.typed(i, JsonKind.OBJECT, E_MUST_OBJECT);
    return v == null ? null : new ObjectReader(v, this.pathAt(i), this.errors);
  }

  arrayAt(i: i32): ArrayReader | null {
    const v = this.typed(i, JsonKind.ARRAY, E_MUST_ARRAY);
    return v == null ? null : new ArrayReader(v, this.pathAt(i), this.errors);
  }
}
