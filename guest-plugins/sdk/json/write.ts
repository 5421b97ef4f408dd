// JSON output: a streaming JsonWriter for results, and stringify() for a JsonValue tree.
// Output is compact (no spaces) with minimal escaping: quote, backslash, control characters
// (\b \f \n \r \t or \u00XX) and lone surrogates (\uXXXX), so the text is valid UTF-8 later.
import { JsonValue, JsonKind } from "./value";

const HEX = "0123456789abcdef";

/** True when s can be written between quotes as it is. */
function plain(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c == 0x22 || c == 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

function hex4(c: i32): string {
  return "\\u" + HEX.charAt((c >> 12) & 0xf) + HEX.charAt((c >> 8) & 0xf) + HEX.charAt((c >> 4) & 0xf) + HEX.charAt(c & 0xf);
}

/** s as a JSON string literal, quotes included. */
export function quoteJson(s: string): string {
  if (plain(s)) return "\"" + s + "\"";
  const parts: string[] = ["\""];
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = "\\\"";
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c == 0x08) esc = "\\b";
    else if (c == 0x0c) esc = "\\f";
    else if (c < 0x20) esc = hex4(c);
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; } // a valid pair stays as it is
      esc = hex4(c);
    } else if (c >= 0xd800 && c <= 0xdfff) esc = hex4(c);
    if (esc == null) continue;
    parts.push(s.substring(start, i));
    parts.push(esc);
    start = i + 1;
  }
  parts.push(s.substring(start, n));
  parts.push("\"");
  return parts.join("");
}

/** A JSON number: integers without a fraction, NaN and infinities as null (as JSON.stringify). */
export function formatJsonNumber(n: f64): string {
  if (!isFinite(n)) return "null";
  if (Math.floor(n) == n && Math.abs(n) < 9.2e18) return (<i64>n).toString();
  return n.toString();
}

/**
 * Writes JSON left to right; commas and colons are placed for you.
 *
 *   const w = new JsonWriter();
 *   w.beginObject().key("cniVersion").string("1.0.0").key("ips").beginArray().endArray().endObject();
 *   w.toString(); // {"cniVersion":"1.0.0","ips":[]}
 */
export class JsonWriter {
  private parts: string[] = [];
  private counts: i32[] = [];
  private afterKey: bool = false;

  private sep(): void {
    if (this.afterKey) { this.afterKey = false; return; }
    const top = this.counts.length - 1;
    if (top < 0) return;
    if (this.counts[top] > 0) this.parts.push(",");
    this.counts[top]++;
  }

  beginObject(): JsonWriter { this.sep(); this.parts.push("{"); this.counts.push(0); return this; }
  endObject(): JsonWriter { this.counts.pop(); this.parts.push("}"); return this; }
  beginArray(): JsonWriter { this.sep(); this.parts.push("["); this.counts.push(0); return this; }
  endArray(): JsonWriter { this.counts.pop(); this.parts.push("]"); return this; }

  /** An object key; the next call writes its value. */
  key(k: string): JsonWriter {
    this.sep();
    this.parts.push(quoteJson(k));
    this.parts.push(":");
    this.afterKey = true;
    return this;
  }

  string(s: string): JsonWriter { this.sep(); this.parts.push(quoteJson(s)); return this; }
  number(n: f64): JsonWriter { this.sep(); this.parts.push(formatJsonNumber(n)); return this; }
  int(i: i64): JsonWriter { this.sep(); this.parts.push(i.toString()); return this; }
  bool(b: bool): JsonWriter { this.sep(); this.parts.push(b ? "true" : "false"); return this; }
  nullValue(): JsonWriter { this.sep(); this.parts.push("null"); return this; }

  /** A whole value tree. */
  value(v: JsonValue): JsonWriter {
    this.sep();
    writeValue(this.parts, v);
    return this;
  }

  /** The text written so far. */
  toString(): string {
    return this.parts.join("");
  }
}

/** Compact JSON text of a value tree. */
export function stringify(v: JsonValue): string {
  const parts: string[] = [];
  writeValue(parts, v);
  return parts.join("");
}

function writeValue(parts: string[], v: JsonValue): void {
  switch (v.kind) {
    case JsonKind.NULL: parts.push("null"); break;
    case JsonKind.BOOL: parts.push(v.asBool() ? "true" : "false"); break;
    case JsonKind.NUMBER: parts.push(v.isInteger() ? v.asI64().toString() : formatJsonNumber(v.asNumber())); break;
    case JsonKind.STRING: parts.push(quoteJson(v.asString())); break;
    case JsonKind.ARRAY: {
      parts.push("[");
      for (let i = 0; i < v.length; i++) {
        if (i > 0) parts.push(",");
        writeValue(parts, v.at(i)!);
      }
      parts.push("]");
      break;
    }
    default: {
      parts.push("{");
      for (let i = 0; i < v.length; i++) {
        if (i > 0) parts.push(",");
        parts.push(quoteJson(v.keyAt(i)));
        parts.push(":");
        writeValue(parts, v.at(i)!);
      }
      parts.push("}");
    }
  }
}
