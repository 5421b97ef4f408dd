// JSON text (RFC 8259) to a JsonValue tree. Malformed input never traps: the result holds
// the error and where it happened. Nesting is limited (default 128) so hostile input cannot
// exhaust the wasm stack; numbers that overflow f64 are errors, as in Go's encoding/json.
import { JsonValue } from "./value";
import { Result, ok, err } from "../abi/result";
import {
  E_END, E_CHAR, E_TRAILING, E_DEPTH, E_STRING_END, E_CONTROL, E_ESCAPE, E_UNICODE, E_NUMBER,
  E_RANGE, E_KEY, E_COLON, E_OBJECT_SEP, E_ARRAY_SEP,
} from "./errors";

/** How deep parseJson lets arrays and objects nest by default (hostile input cannot exhaust the stack). */
// @ts-ignore: decorator
@lazy @inline export const JSON_MAX_DEPTH: i32 = 128;

/** Why a JSON text did not parse: the reason, where (offset 0-based, line and column 1-based). */
export class JsonSyntaxError {
  /** `reason` without the position; `message` has both. */
  constructor(
    /** "unexpected character", "nesting too deep", ... */
    public reason: string,
    public offset: i32,
    public line: i32,
    public column: i32,
  ) {}

  /** "invalid JSON at line 2, column 7: unexpected character". */
  get message(): string {
    return "invalid JSON at line " + this.line.toString() + ", column " + this.column.toString() + ": " + this.reason;
  }
}

/** Parses a complete JSON text: the value, or where and why it is malformed. */
export function parseJson(text: string, maxDepth: i32 = JSON_MAX_DEPTH): Result<JsonValue, JsonSyntaxError> {
  const p = new Parser(text, maxDepth);
  p.skipSpace();
  let v = p.value(0);
  if (v != null) {
    p.skipSpace();
    if (p.pos < text.length) v = p.fail(E_TRAILING);
  }
  if (v != null) return ok<JsonValue, JsonSyntaxError>(v);
  let line = 1, col = 1;
  const end = min(p.errPos, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) == 0x0a) { line++; col = 1; } else col++;
  }
  return err<JsonValue, JsonSyntaxError>(new JsonSyntaxError(p.err, p.errPos, line, col));
}

function hex(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

class Parser {
  pos: i32 = 0;
  err: string = "";
  errPos: i32 = 0;

  constructor(private s: string, private maxDepth: i32) {}

  fail(msg: string): JsonValue | null {
    if (this.err.length == 0) {
      this.err = msg;
      this.errPos = this.pos;
    }
    return null;
  }

  peek(): i32 {
    return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1;
  }

  skipSpace(): void {
    for (let c = this.peek(); c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d; c = this.peek()) this.pos++;
  }

  value(depth: i32): JsonValue | null {
    const c = this.peek();
    if (c < 0) return this.fail(E_END);
    if (c == 0x7b) return this.object(depth + 1); // {
    if (c == 0x5b) return this.array(depth + 1); // [
    if (c == 0x22) {
      const s = this.string();
      return s == null ? null : JsonValue.ofString(s);
    }
    if (c == 0x2d || isDigit(c)) return this.number();
    if (this.literal("true")) return JsonValue.ofBool(true);
    if (this.literal("false")) return JsonValue.ofBool(false);
    if (this.literal("null")) return JsonValue.ofNull();
    return this.fail(E_CHAR);
  }

  literal(word: string): bool {
    const n = word.length;
    if (this.pos + n > this.s.length || this.s.substring(this.pos, this.pos + n) != word) return false;
    this.pos += n;
    return true;
  }

  object(depth: i32): JsonValue | null {
    if (depth > this.maxDepth) return this.fail(E_DEPTH);
    this.pos++;
    const obj = JsonValue.newObject();
    this.skipSpace();
    if (this.peek() == 0x7d) { this.pos++; return obj; }
    while (true) {
      if (this.peek() != 0x22) return this.fail(this.peek() < 0 ? E_END : E_KEY);
      const key = this.string();
      if (key == null) return null;
      this.skipSpace();
      if (this.peek() != 0x3a) return this.fail(this.peek() < 0 ? E_END : E_COLON);
      this.pos++;
      this.skipSpace();
      const v = this.value(depth);
      if (v == null) return null;
      obj.set(key, v);
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 0x7d) return obj;
      if (c != 0x2c) { this.pos--; return this.fail(c < 0 ? E_END : E_OBJECT_SEP); }
      this.skipSpace();
    }
  }

  array(depth: i32): JsonValue | null {
    if (depth > this.maxDepth) return this.fail(E_DEPTH);
    this.pos++;
    const arr = JsonValue.newArray();
    this.skipSpace();
    if (this.peek() == 0x5d) { this.pos++; return arr; }
    while (true) {
      const v = this.value(depth);
      if (v == null) return null;
      arr.push(v);
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 0x5d) return arr;
      if (c != 0x2c) { this.pos--; return this.fail(c < 0 ? E_END : E_ARRAY_SEP); }
      this.skipSpace();
    }
  }

  /** A string starting at the opening quote; null (with the error set) when malformed. */
  string(): string | null {
    const s = this.s, n = s.length;
    let parts: string[] | null = null;
    let start = ++this.pos;
    while (true) {
      if (this.pos >= n) { this.fail(E_STRING_END); return null; }
      const c = s.charCodeAt(this.pos);
      if (c == 0x22) {
        const tail = s.substring(start, this.pos++);
        if (parts == null) return tail;
        parts.push(tail);
        return parts.join("");
      }
      if (c < 0x20) { this.fail(E_CONTROL); return null; }
      if (c != 0x5c) { this.pos++; continue; }
      if (parts == null) parts = [];
      parts.push(s.substring(start, this.pos));
      const e = this.pos + 1 < n ? s.charCodeAt(this.pos + 1) : -1;
      let out = -1;
      if (e == 0x22 || e == 0x5c || e == 0x2f) out = e;
      else if (e == 0x62) out = 0x08;
      else if (e == 0x66) out = 0x0c;
      else if (e == 0x6e) out = 0x0a;
      else if (e == 0x72) out = 0x0d;
      else if (e == 0x74) out = 0x09;
      if (out >= 0) {
        parts.push(String.fromCharCode(out));
        this.pos += 2;
      } else if (e == 0x75) {
        const u = this.unicode(this.pos + 2);
        if (u < 0) { this.fail(E_UNICODE); return null; }
        this.pos += 6;
        if (u >= 0xd800 && u <= 0xdbff && this.pos + 1 < n && s.charCodeAt(this.pos) == 0x5c &&
            s.charCodeAt(this.pos + 1) == 0x75) {
          const lo = this.unicode(this.pos + 2);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            parts.push(String.fromCharCodes([u, lo]));
            this.pos += 6;
            start = this.pos;
            continue;
          }
        }
        // a lone surrogate becomes U+FFFD, as Go's decoder does
        parts.push(String.fromCharCode(u >= 0xd800 && u <= 0xdfff ? 0xfffd : u));
      } else {
        this.fail(E_ESCAPE);
        return null;
      }
      start = this.pos;
    }
  }

  /** The value of 4 hex digits at i, or -1. */
  unicode(i: i32): i32 {
    if (i + 4 > this.s.length) return -1;
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const h = hex(this.s.charCodeAt(i + k));
      if (h < 0) return -1;
      v = (v << 4) | h;
    }
    return v;
  }

  number(): JsonValue | null {
    const s = this.s, start = this.pos;
    const neg = this.peek() == 0x2d;
    if (neg) this.pos++;
    let c = this.peek();
    if (c == 0x30) this.pos++;
    else if (isDigit(c)) while (isDigit(this.peek())) this.pos++;
    else return this.fail(E_NUMBER);
    const intEnd = this.pos;
    if (this.peek() == 0x2e) {
      this.pos++;
      if (!isDigit(this.peek())) return this.fail(E_NUMBER);
      while (isDigit(this.peek())) this.pos++;
    }
    c = this.peek();
    if (c == 0x65 || c == 0x45) {
      this.pos++;
      c = this.peek();
      if (c == 0x2b || c == 0x2d) this.pos++;
      if (!isDigit(this.peek())) return this.fail(E_NUMBER);
      while (isDigit(this.peek())) this.pos++;
    }
    if (intEnd == this.pos) {
      // an integer literal: exact when it fits in an i64
      let m: u64 = 0;
      let fits = true;
      for (let i = start + (neg ? 1 : 0); i < intEnd && fits; i++) {
        const d = <u64>(s.charCodeAt(i) - 0x30);
        if (m > (u64.MAX_VALUE - d) / 10) fits = false;
        else m = m * 10 + d;
      }
      const limit: u64 = neg ? <u64>1 << 63 : <u64>i64.MAX_VALUE;
      if (fits && m <= limit) return JsonValue.ofInt(neg ? <i64>(0 - m) : <i64>m);
    }
    const f = parseFloat(s.substring(start, this.pos));
    if (!isFinite(f)) { this.pos = start; return this.fail(E_RANGE); }
    return JsonValue.ofNumber(f);
  }
}
