// Messages of the json folder, as std/assembly/util/error.ts keeps its messages.

// @ts-ignore: decorator
@lazy @inline export const E_END = "unexpected end of input";
// @ts-ignore: decorator
@lazy @inline export const E_CHAR = "unexpected character";
// @ts-ignore: decorator
@lazy @inline export const E_TRAILING = "unexpected data after the top-level value";
// @ts-ignore: decorator
@lazy @inline export const E_DEPTH = "nesting too deep";
// @ts-ignore: decorator
@lazy @inline export const E_STRING_END = "unterminated string";
// @ts-ignore: decorator
@lazy @inline export const E_CONTROL = "control character in string";
// @ts-ignore: decorator
@lazy @inline export const E_ESCAPE = "invalid escape in string";
// @ts-ignore: decorator
@lazy @inline export const E_UNICODE = "invalid \\u escape in string";
// @ts-ignore: decorator
@lazy @inline export const E_NUMBER = "invalid number";
// @ts-ignore: decorator
@lazy @inline export const E_RANGE = "number out of range";
// @ts-ignore: decorator
@lazy @inline export const E_KEY = "expected a string key";
// @ts-ignore: decorator
@lazy @inline export const E_COLON = "expected ':' after an object key";
// @ts-ignore: decorator
@lazy @inline export const E_OBJECT_SEP = "expected ',' or '}' in object";
// @ts-ignore: decorator
@lazy @inline export const E_ARRAY_SEP = "expected ',' or ']' in array";

// Config reader: `field "ipam.subnet" is required`.
// @ts-ignore: decorator
@lazy @inline export const E_REQUIRED = "is required";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_STRING = "must be a string";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_BOOL = "must be a boolean";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_NUMBER = "must be a number";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_U32 = "must be an integer from 0 to 4294967295";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_I64 = "must be an integer";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_OBJECT = "must be an object";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_ARRAY = "must be an array";
// @ts-ignore: decorator
@lazy @inline export const E_MUST_NOT_EMPTY = "must not be empty";
