import { describe, expect, test } from "vitest";
import {
  CURRENT_VERSION,
  SUPPORTED_VERSIONS,
  checkConfigVersion,
  checkVerbAllowed,
  compareVersions,
  versionResponse,
} from "../../../host/cni/version";

describe("version", () => {
  test("the host supports every released version, as libcni's version.All, and implements 1.1.0", () => {
    expect(SUPPORTED_VERSIONS).toEqual(["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]);
    expect(CURRENT_VERSION).toBe("1.1.0");
  });

  test.each([
    ["1.0.0", "1.1.0", -1],
    ["1.1.0", "1.1.0", 0],
    ["0.10.0", "0.4.0", 1],
    ["1.0.0", "0.4.0", 1],
  ])("compareVersions(%s, %s) has sign %i", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  test.each(["1.0", "v1.0.0", "1.0.0-rc1", "01.0.0", ""])("compareVersions with %j fails with code 6", (v) => {
    expect(() => compareVersions(v, "1.0.0")).toThrow(expect.objectContaining({ code: 6 }));
  });

  test.each(SUPPORTED_VERSIONS)("config version %s is accepted", (v) => {
    expect(checkConfigVersion(v)).toBe(v);
  });

  test("an unsupported config version fails with code 1 in libcni's words", () => {
    expect(() => checkConfigVersion("0.9.0")).toThrow(
      expect.objectContaining({
        code: 1,
        message: 'incompatible CNI versions; config is "0.9.0", plugin supports ["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]',
      }),
    );
  });

  test.each([
    ["CHECK", "1.0.0", true],
    ["GC", "1.0.0", false],
    ["STATUS", "1.0.0", false],
    ["GC", "1.1.0", true],
    ["STATUS", "1.1.0", true],
    ["ADD", "1.0.0", true],
    ["CHECK", "0.3.1", false],
  ])("%s with config version %s is allowed: %s", (verb, v, allowed) => {
    const check = () => checkVerbAllowed(verb, v);
    if (allowed) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 1, msg: `config version does not allow ${verb}` }));
  });

  test("the VERSION response echoes a well-formed input version and falls back to the current one", () => {
    expect(versionResponse("1.0.0")).toEqual({ cniVersion: "1.0.0", supportedVersions: [...SUPPORTED_VERSIONS] });
    expect(versionResponse(undefined).cniVersion).toBe("1.1.0");
    expect(versionResponse("garbage").cniVersion).toBe("1.1.0");
  });
});
