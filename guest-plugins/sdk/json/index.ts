export { JsonValue, JsonKind } from "./value";
export { parseJson, JsonSyntaxError, JSON_MAX_DEPTH } from "./parse";
export { JsonWriter, stringify, quoteJson, formatJsonNumber } from "./write";
export { FieldErrors, ObjectReader, ArrayReader } from "./reader";
