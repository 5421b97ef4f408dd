import { describe, expect, test } from "vitest";
import { CniError, CniErrorCode, FIRST_PLUGIN_ERROR_CODE, toCniError } from "../../../host/cni/errors";

/** Every code of SPEC.md's table (plus libcni's 8), by name, as undici's test/errors.js lists its classes. */
const CODES: [keyof typeof CniErrorCode, number][] = [
  ["INCOMPATIBLE_VERSION", 1],
  ["UNSUPPORTED_FIELD", 2],
  ["UNKNOWN_CONTAINER", 3],
  ["INVALID_ENV", 4],
  ["IO_FAILURE", 5],
  ["DECODE_FAILURE", 6],
  ["INVALID_NETWORK_CONFIG", 7],
  ["INVALID_NETNS", 8],
  ["TRY_AGAIN_LATER", 11],
  ["PLUGIN_NOT_AVAILABLE", 50],
  ["LIMITED_CONNECTIVITY", 51],
  ["INTERNAL", 999],
];

describe("CniError codes", () => {
  test("the code table holds exactly the spec's codes", () => {
    expect(Object.entries(CniErrorCode)).toEqual(CODES);
  });

  test.each(CODES)("%s (%i) is a CniError that serialises to the wire shape", (_name, code) => {
    const err = new CniError(code, "message", "details");
    expect(err).toBeInstanceOf(CniError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("CniError");
    expect(err.code).toBe(code);
    expect(err.message).toBe("message; details");
    expect(err.toJSON()).toEqual({ cniVersion: "1.1.0", code, msg: "message", details: "details" });
    expect(JSON.parse(JSON.stringify(err))).toEqual(err.toJSON());
  });

  test.each(CODES)("%s (%i) passes toCniError unchanged", (_name, code) => {
    const err = new CniError(code, "m");
    expect(toCniError(err)).toBe(err);
  });

  test("reserved codes stay below the first plugin code", () => {
    for (const [, code] of CODES) if (code !== 999) expect(code).toBeLessThan(FIRST_PLUGIN_ERROR_CODE);
    expect(FIRST_PLUGIN_ERROR_CODE).toBe(100);
  });
});

describe("CniError", () => {
  test("empty details are left out of the JSON, as libcni's omitempty does", () => {
    expect(new CniError(7, "bad", "").toJSON()).toEqual({ cniVersion: "1.1.0", code: 7, msg: "bad" });
    expect(new CniError(7, "bad").message).toBe("bad");
  });

  test("withVersion stamps a copy and keeps code, msg, details and cause", () => {
    const cause = new Error("root");
    const err = new CniError(11, "later", "locked", { cause });
    const stamped = err.withVersion("1.0.0");
    expect(stamped.toJSON()).toEqual({ cniVersion: "1.0.0", code: 11, msg: "later", details: "locked" });
    expect(stamped.cause).toBe(cause);
    expect(err.cniVersion).toBeUndefined();
  });

  test("a plugin code (100+) is carried as given", () => {
    expect(new CniError(117, "vlan").toJSON()).toMatchObject({ code: 117 });
  });
});

describe("toCniError", () => {
  test("an Error becomes 999 with its message and keeps it as cause", () => {
    const e = new TypeError("x is not a function");
    const err = toCniError(e);
    expect(err.toJSON()).toEqual({ cniVersion: "1.1.0", code: 999, msg: "x is not a function" });
    expect(err.cause).toBe(e);
  });

  test.each([
    ["a string", "boom", "boom"],
    ["a number", 42, "42"],
    ["undefined", undefined, "undefined"],
    ["an Error without message", new Error(""), "unknown error"],
  ])("%s becomes 999 with a message", (_what, thrown, msg) => {
    expect(toCniError(thrown)).toMatchObject({ code: 999, msg });
  });
});
