// A parsed or built JSON value, like a small encoding/json `any` tree. Objects keep their
// key order (a later duplicate key replaces the earlier value, as in Go). Numbers are f64
// plus an exact i64 when the literal was an integer that fits, so 64-bit values survive.
import { stringify } from "./write";

/** The JSON type of a JsonValue. */
export enum JsonKind { NULL, BOOL, NUMBER, STRING, ARRAY, OBJECT }

/** 2^53: every integer up to this magnitude is exact in an f64. */
const F64_EXACT: f64 = 9007199254740992.0;

/** A parsed JSON value: its kind, and the typed accessors (`getString`, `asI64`, ...). */
export class JsonValue {
  private b: bool = false;
  private n: f64 = 0;
  private exact: bool = false;
  private i: i64 = 0;
  private s: string = "";
  private items: JsonValue[] | null = null;
  private keys: string[] | null = null;

  constructor(public kind: JsonKind) {}

  static ofNull(): JsonValue {
    return new JsonValue(JsonKind.NULL);
  }

  static ofBool(b: bool): JsonValue {
    const v = new JsonValue(JsonKind.BOOL);
    v.b = b;
    return v;
  }

  /** A number; integral values up to 2^53 also read back exactly with asI64(). */
  static ofNumber(n: f64): JsonValue {
    const v = new JsonValue(JsonKind.NUMBER);
    v.n = n;
    if (Math.floor(n) == n && Math.abs(n) <= F64_EXACT) {
      v.exact = true;
      v.i = <i64>n;
    }
    return v;
  }

  /** An exact integer (written without a fraction). */
  static ofInt(i: i64): JsonValue {
    const v = new JsonValue(JsonKind.NUMBER);
    v.n = <f64>i;
    v.exact = true;
    v.i = i;
    return v;
  }

  static ofString(s: string): JsonValue {
    const v = new JsonValue(JsonKind.STRING);
    v.s = s;
    return v;
  }

  static newArray(): JsonValue {
    const v = new JsonValue(JsonKind.ARRAY);
    v.items = [];
    return v;
  }

  static newObject(): JsonValue {
    const v = new JsonValue(JsonKind.OBJECT);
    v.items = [];
    v.keys = [];
    return v;
  }

  isNull(): bool { return this.kind == JsonKind.NULL; }
  isBool(): bool { return this.kind == JsonKind.BOOL; }
  isNumber(): bool { return this.kind == JsonKind.NUMBER; }
  isString(): bool { return this.kind == JsonKind.STRING; }
  isArray(): bool { return this.kind == JsonKind.ARRAY; }
  isObject(): bool { return this.kind == JsonKind.OBJECT; }

  /** The boolean; false for other kinds. */
  asBool(): bool { return this.b; }
  /** The number; 0 for other kinds. */
  asNumber(): f64 { return this.n; }
  /** The string; "" for other kinds. */
  asString(): string { return this.s; }
  /** True for a number that is an integer known exactly as an i64. */
  isInteger(): bool { return this.exact; }
  /** The exact integer (check isInteger() first); 0 otherwise. */
  asI64(): i64 { return this.exact ? this.i : 0; }
  /** True for an exact integer in 0..4294967295. */
  isU32(): bool { return this.exact && this.i >= 0 && this.i <= <i64>u32.MAX_VALUE; }

  /** Number of array items or object members; 0 for other kinds. */
  get length(): i32 {
    const items = this.items;
    return items == null ? 0 : items.length;
  }

  /** Array item (or object member value) i; null when out of range. */
  at(i: i32): JsonValue | null {
    const items = this.items;
    if (items == null || i < 0 || i >= items.length) return null;
    return items[i];
  }

  /** Key of object member i; "" when out of range. */
  keyAt(i: i32): string {
    const keys = this.keys;
    if (keys == null || i < 0 || i >= keys.length) return "";
    return keys[i];
  }

  /** Appends to an array; returns this. Does nothing on other kinds. */
  push(v: JsonValue): JsonValue {
    if (this.kind == JsonKind.ARRAY) this.items!.push(v);
    return this;
  }

  /** Index of a key in an object, or -1. */
  indexOf(key: string): i32 {
    const keys = this.keys;
    if (keys == null) return -1;
    for (let i = 0; i < keys.length; i++) if (keys[i] == key) return i;
    return -1;
  }

  has(key: string): bool {
    return this.indexOf(key) >= 0;
  }

  /** The member value, or null when absent or when this is no object. */
  get(key: string): JsonValue | null {
    const i = this.indexOf(key);
    return i < 0 ? null : this.items![i];
  }

  /** Sets a member, replacing an existing one in place; returns this. Objects only. */
  set(key: string, v: JsonValue): JsonValue {
    if (this.kind != JsonKind.OBJECT) return this;
    const i = this.indexOf(key);
    if (i >= 0) this.items![i] = v;
    else {
      this.keys!.push(key);
      this.items!.push(v);
    }
    return this;
  }

  /** Removes a member; false when it was absent. */
  remove(key: string): bool {
    const i = this.indexOf(key);
    if (i < 0) return false;
    this.keys!.splice(i, 1);
    this.items!.splice(i, 1);
    return true;
  }

  /** The member if it is a string, else null. */
  getString(key: string): string | null {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.STRING ? v.s : null;
  }

  /** The member if it is a boolean, else `def`. */
  getBool(key: string, def: bool = false): bool {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.BOOL ? v.b : def;
  }

  /** The member if it is a number, else `def`. */
  getNumber(key: string, def: f64 = 0): f64 {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.NUMBER ? v.n : def;
  }

  /** The member if it is an integer in 0..2^32-1, else `def`. */
  getU32(key: string, def: u32 = 0): u32 {
    const v = this.get(key);
    return v != null && v.isU32() ? <u32>v.i : def;
  }

  /** The member if it is an object, else null. */
  getObject(key: string): JsonValue | null {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.OBJECT ? v : null;
  }

  /** The member if it is an array, else null. */
  getArray(key: string): JsonValue | null {
    const v = this.get(key);
    return v != null && v.kind == JsonKind.ARRAY ? v : null;
  }

  /** A deep copy. */
  clone(): JsonValue {
    const c = new JsonValue(this.kind);
    c.b = this.b; c.n = this.n; c.exact = this.exact; c.i = this.i; c.s = this.s;
    const items = this.items;
    if (items != null) {
      const copy = new Array<JsonValue>(items.length);
      for (let k = 0; k < items.length; k++) copy[k] = items[k].clone();
      c.items = copy;
    }
    const keys = this.keys;
    if (keys != null) c.keys = keys.slice(0);
    return c;
  }

  /** Compact canonical JSON text. */
  toString(): string {
    return stringify(this);
  }
}
