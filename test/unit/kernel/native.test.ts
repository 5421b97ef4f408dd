import { openSync, closeSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNative } from "../../../host/kernel/native";

describe("kernel/native", () => {
  it("loadNative finds the addon from host/kernel and from dist/", () => {
    expect(Object.keys(loadNative()).sort()).toEqual(["close", "flock", "netlinkSocket", "recv", "send", "setns", "tapCreate"]);
    expect(typeof loadNative(resolve("dist")).flock).toBe("function");
  });

  it("loadNative names the missing addon and the fix", () => {
    expect(() => loadNative("/nonexistent")).toThrow(/wasm_cni_native\.node not found near \/nonexistent: run `npm run build`/);
  });

  it("flock without wait returns false while another open file holds the lock", () => {
    const native = loadNative();
    const file = join(mkdtempSync(join(tmpdir(), "flock-")), "lock");
    const a = openSync(file, "w");
    const b = openSync(file, "r");
    try {
      expect(native.flock(a, "ex", false)).toBe(true);
      expect(native.flock(b, "sh", false)).toBe(false);
      expect(native.flock(a, "un", false)).toBe(true);
      expect(native.flock(b, "sh", false)).toBe(true);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });

  it("addon errors carry the errno name as code", () => {
    const native = loadNative();
    expect(() => native.setns(-1)).toThrow(expect.objectContaining({ code: "EBADF", errno: 9 }));
    expect(() => native.flock(0, "xx" as "ex", false)).toThrow(TypeError);
  });
});
