// Guest tests of guest-plugins/sdk/json: parsing (valid and malformed), writing, config reading.
import {
  JsonValue, JsonKind, parseJson, JsonWriter, stringify, quoteJson, ObjectReader,
} from "../../guest-plugins/sdk/json/index";
import { expectStr, expectInt, expectTrue, expectFalse } from "./expect.as";

function parse(text: string): JsonValue {
  const r = parseJson(text);
  if (r.isErr) assert(false, "parse " + text + ": " + r.error.message);
  return r.value;
}

/** Parses and writes back: the canonical compact form. */
function canon(text: string, want: string): void {
  expectStr(stringify(parse(text)), want, "canonical form of " + text);
}

function fails(text: string, error: string, offset: i32): void {
  const r = parseJson(text);
  assert(r.isErr, "\"" + text + "\" should not parse");
  expectStr(r.error.reason, error, "error for " + text);
  expectInt(r.error.offset, offset, "error offset for " + text);
}

export function parses_scalars(): void {
  expectTrue(parse("null").isNull(), "null");
  expectTrue(parse("true").asBool(), "true");
  expectFalse(parse(" false ").asBool(), "false");
  expectStr(parse("\"x\"").asString(), "x", "string");
  expectInt(parse("42").asI64(), 42, "int");
  expectInt(parse("-7").asI64(), -7, "negative int");
  expectTrue(parse("0.5").asNumber() == 0.5, "fraction");
  expectTrue(parse("1e3").asNumber() == 1000, "exponent");
  expectTrue(parse("-2.5E-3").asNumber() == -0.0025, "negative exponent");
  expectTrue(parse("0.1").asNumber() == 0.1, "0.1 rounds like JS");
  expectTrue(parse("1e3").isInteger(), "1e3 is an integer");
  expectFalse(parse("0.5").isInteger(), "0.5 is no integer");
  expectTrue(parse("\t\r\n 1 \n").isNumber(), "whitespace around a value");
}

export function integers_are_exact_to_64_bits(): void {
  expectInt(parse("9223372036854775807").asI64(), i64.MAX_VALUE, "i64 max");
  expectInt(parse("-9223372036854775808").asI64(), i64.MIN_VALUE, "i64 min");
  expectInt(parse("9007199254740993").asI64(), 9007199254740993, "2^53+1 stays exact");
  expectFalse(parse("9223372036854775808").isInteger(), "i64 max + 1 is no exact integer");
  expectTrue(parse("9223372036854775808").asNumber() == 9223372036854775808.0, "but is a number");
  expectFalse(parse("123456789012345678901234567890").isInteger(), "30 digits");
  expectTrue(parse("1e308").asNumber() == 1e308, "1e308");
  expectTrue(parse("4294967295").isU32() && !parse("4294967296").isU32() && !parse("-1").isU32(), "u32 bounds");
}

export function parses_nested_structures_and_keeps_key_order(): void {
  const v = parse("{\"b\":1,\"a\":[true,null,{\"c\":\"d\"}],\"e\":{}}");
  expectInt(v.length, 3, "members");
  expectStr(v.keyAt(0) + v.keyAt(1) + v.keyAt(2), "bae", "key order");
  expectInt(v.getArray("a")!.length, 3, "array length");
  expectStr(v.getArray("a")!.at(2)!.getString("c")!, "d", "nested string");
  expectTrue(v.getObject("e")!.isObject(), "empty object");
  expectTrue(v.getObject("a") == null, "getObject of an array is null");
  expectTrue(v.getString("missing") == null, "missing string");
  expectInt(v.getU32("b"), 1, "getU32");
  expectInt(v.getU32("missing", 9), 9, "getU32 default");
  canon("{ \"b\" : 1 , \"a\" : [ true , null ] }", "{\"b\":1,\"a\":[true,null]}");
  canon("[]", "[]");
  canon("{}", "{}");
  canon("[[[]]]", "[[[]]]");
}

export function duplicate_keys_keep_the_last_value_in_the_first_place(): void {
  canon("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}");
}

export function decodes_every_string_escape(): void {
  expectStr(parse("\"a\\\"b\\\\c\\/d\"").asString(), "a\"b\\c/d", "quote, backslash, slash");
  expectStr(parse("\"\\b\\f\\n\\r\\t\"").asString(), "\b\f\n\r\t", "control escapes");
  expectStr(parse("\"\\u0041\\u00e9\\u4E2D\"").asString(), "Aé中", "\\u escapes");
  expectStr(parse("\"\\ud83d\\ude00\"").asString(), "😀", "surrogate pair");
  expectStr(parse("\"x\\ud83dy\"").asString(), "x\ufffdy", "lone high surrogate");
  expectStr(parse("\"\\ude00\"").asString(), "\ufffd", "lone low surrogate");
  expectStr(parse("\"\\ud83d\\u0041\"").asString(), "\ufffdA", "high surrogate then no low");
  expectStr(parse("\"ü€😀\"").asString(), "ü€😀", "raw non-ASCII");
}

export function rejects_malformed_input_with_its_position(): void {
  fails("", "unexpected end of input", 0);
  fails("   ", "unexpected end of input", 3);
  fails("{", "unexpected end of input", 1);
  fails("{\"a\"", "unexpected end of input", 4);
  fails("{\"a\":", "unexpected end of input", 5);
  fails("{\"a\":1", "unexpected end of input", 6);
  fails("[1,", "unexpected end of input", 3);
  fails("[1", "unexpected end of input", 2);
  fails("\"abc", "unterminated string", 4);
  fails("\"a\\", "invalid escape in string", 2);
  fails("\"\\x\"", "invalid escape in string", 1);
  fails("\"\\u12\"", "invalid \\u escape in string", 1);
  fails("\"\\u12G4\"", "invalid \\u escape in string", 1);
  fails("\"a\nb\"", "control character in string", 2);
  fails("{a:1}", "expected a string key", 1);
  fails("{\"a\" 1}", "expected ':' after an object key", 5);
  fails("{\"a\":1 \"b\":2}", "expected ',' or '}' in object", 7);
  fails("{\"a\":1,}", "expected a string key", 7);
  fails("[1 2]", "expected ',' or ']' in array", 3);
  fails("[1,]", "unexpected character", 3);
  fails("tru", "unexpected character", 0);
  fails("nul", "unexpected character", 0);
  fails("True", "unexpected character", 0);
  fails("1 2", "unexpected data after the top-level value", 2);
  fails("{}}", "unexpected data after the top-level value", 2);
  fails("\ufeff{}", "unexpected character", 0);
  fails("'a'", "unexpected character", 0);
}

export function rejects_malformed_numbers(): void {
  fails("01", "unexpected data after the top-level value", 1);
  fails("-", "invalid number", 1);
  fails("+1", "unexpected character", 0);
  fails(".5", "unexpected character", 0);
  fails("1.", "invalid number", 2);
  fails("1.e5", "invalid number", 2);
  fails("1e", "invalid number", 2);
  fails("1e+", "invalid number", 3);
  fails("-a", "invalid number", 1);
  fails("NaN", "unexpected character", 0);
  fails("Infinity", "unexpected character", 0);
  fails("1e400", "number out of range", 0);
  fails("[-1e999]", "number out of range", 1);
}

export function reports_line_and_column(): void {
  const r = parseJson("{\n  \"a\": 1,\n  \"b\": x\n}");
  expectTrue(r.isErr, "bad value");
  expectInt(r.error.line, 3, "line");
  expectInt(r.error.column, 8, "column");
  expectStr(r.error.message, "invalid JSON at line 3, column 8: unexpected character", "message");
}

export function limits_nesting_depth_without_trapping(): void {
  let deep = "";
  for (let i = 0; i < 10000; i++) deep += "[";
  fails(deep, "nesting too deep", 128);
  let ok = "";
  for (let i = 0; i < 128; i++) ok += "[";
  for (let i = 0; i < 128; i++) ok += "]";
  expectTrue(parseJson(ok).isOk, "128 levels parse");
  expectTrue(parseJson("[[[1]]]", 2).isErr, "a custom limit");
  let objs = "";
  for (let i = 0; i < 200; i++) objs += "{\"a\":";
  fails(objs, "nesting too deep", 128 * 5);
}

export function writes_escapes_compactly(): void {
  expectStr(quoteJson("plain"), "\"plain\"", "plain");
  expectStr(quoteJson("a\"b\\c"), "\"a\\\"b\\\\c\"", "quote and backslash");
  expectStr(quoteJson("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"", "short escapes");
  expectStr(quoteJson("\u0001\u001f"), "\"\\u0001\\u001f\"", "other control characters");
  expectStr(quoteJson("/<>&é😀"), "\"/<>&é😀\"", "no needless escapes");
  expectStr(quoteJson("a" + String.fromCharCode(0xd800) + "b"), "\"a\\ud800b\"", "lone surrogate");
  expectStr(quoteJson(String.fromCharCode(0xdc00)), "\"\\udc00\"", "lone low surrogate");
  const nasty = "\"\\\u0000\u007f\ud83d\ude00x\n";
  expectStr(parse(quoteJson(nasty)).asString(), nasty, "escape round trip");
}

export function writes_numbers_like_json_stringify(): void {
  expectStr(stringify(JsonValue.ofNumber(1.0)), "1", "integral float");
  expectStr(stringify(JsonValue.ofNumber(-0.0)), "0", "negative zero");
  expectStr(stringify(JsonValue.ofNumber(0.1)), "0.1", "0.1");
  expectStr(stringify(JsonValue.ofNumber(1e21)), "1e+21", "1e21");
  expectStr(stringify(JsonValue.ofNumber(1.5e-7)), "1.5e-7", "small");
  expectStr(stringify(JsonValue.ofNumber(NaN)), "null", "NaN");
  expectStr(stringify(JsonValue.ofNumber(-Infinity)), "null", "-Infinity");
  expectStr(stringify(JsonValue.ofInt(i64.MIN_VALUE)), "-9223372036854775808", "i64 min");
  canon("[9223372036854775807,1E2,2.50]", "[9223372036854775807,100,2.5]");
}

export function json_writer_places_commas_and_colons(): void {
  const w = new JsonWriter();
  w.beginObject()
    .key("cniVersion").string("1.0.0")
    .key("interfaces").beginArray()
      .beginObject().key("name").string("eth0").key("mtu").int(1500).endObject()
      .beginObject().key("name").string("lo").endObject()
    .endArray()
    .key("n").number(0.5)
    .key("ok").bool(true)
    .key("none").nullValue()
    .key("empty").beginArray().endArray()
    .key("tree").value(parse("{\"x\":[1,{}]}"))
    .endObject();
  expectStr(w.toString(),
    "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"mtu\":1500},{\"name\":\"lo\"}]," +
    "\"n\":0.5,\"ok\":true,\"none\":null,\"empty\":[],\"tree\":{\"x\":[1,{}]}}", "writer output");
  expectStr(new JsonWriter().beginArray().int(1).string("a").endArray().toString(), "[1,\"a\"]", "array");
}

export function builds_and_edits_value_trees(): void {
  const o = JsonValue.newObject().set("a", JsonValue.ofInt(1)).set("b", JsonValue.newArray().push(JsonValue.ofBool(false)));
  o.set("a", JsonValue.ofString("x"));
  expectStr(o.toString(), "{\"a\":\"x\",\"b\":[false]}", "set replaces in place");
  const c = o.clone();
  expectTrue(o.remove("a") && !o.remove("a"), "remove");
  expectStr(o.toString(), "{\"b\":[false]}", "after remove");
  expectStr(c.toString(), "{\"a\":\"x\",\"b\":[false]}", "clone is deep");
  expectInt(JsonValue.ofString("s").length, 0, "a string has no members");
  expectTrue(JsonValue.newArray().at(0) == null, "at out of range");
  expectTrue(parse("{\"k\":null}").get("k")!.kind == JsonKind.NULL, "get returns null values");
}

export function config_reader_collects_every_problem_with_its_path(): void {
  const conf = parse("{\"name\":\"n\",\"mtu\":-1,\"isGateway\":\"yes\",\"ipam\":{\"ranges\":[[{\"subnet\":5}],7]},\"dns\":null}");
  const r = ObjectReader.root(conf);
  expectStr(r.string("name"), "n", "name");
  expectStr(r.string("type"), "", "missing type");
  expectInt(r.optU32("mtu", 1500), 1500, "bad mtu falls back");
  expectFalse(r.optBool("isGateway"), "bad bool falls back");
  expectFalse(r.has("dns"), "null counts as absent");
  expectTrue(r.optObject("dns") == null, "optional null object");
  const ipam = r.object("ipam")!;
  const ranges = ipam.array("ranges")!;
  expectInt(ranges.length, 2, "two range sets");
  const set0 = ranges.arrayAt(0)!;
  const range0 = set0.objectAt(0)!;
  expectStr(range0.string("subnet"), "", "subnet of the wrong type");
  range0.fail("gateway", "must be an IP address");
  expectTrue(ranges.arrayAt(1) == null, "a number is no range set");
  expectTrue(r.object("args") == null, "missing object");
  expectStr(r.errors.toString(),
    "field \"type\" is required; " +
    "field \"mtu\" must be an integer from 0 to 4294967295; " +
    "field \"isGateway\" must be a boolean; " +
    "field \"ipam.ranges[0][0].subnet\" must be a string; " +
    "field \"ipam.ranges[0][0].gateway\" must be an IP address; " +
    "field \"ipam.ranges[1]\" must be an array; " +
    "field \"args\" is required", "collected errors");
  const top = ObjectReader.root(parse("[1]"));
  expectStr(top.errors.toString(), "field \"(config)\" must be an object", "non-object config");
  const strs = ObjectReader.root(parse("{\"s\":[\"a\",1,\"b\"]}"));
  expectStr(strs.optStrings("s").join(","), "a,b", "strings skip others");
  expectStr(strs.errors.toString(), "field \"s[1]\" must be a string", "bad string item");
}
