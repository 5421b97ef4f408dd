// A host process of serve's pool leaves the pool when a call changed what it must give back
// (host-process.ts): these are the checks it makes after each call.
import { closeSync, openSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadNative } from "../../../host/kernel/native";
import { leftover, processState as stateWith } from "../../../host/prestart/host-process";

const native = loadNative();
const processState = () => stateWith(native);

describe("what a call must leave as it found it", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  it("an unchanged process has nothing left over", () => {
    expect(leftover(processState(), processState())).toBeUndefined();
  });

  it("a descriptor left open is found, with what it is", () => {
    const before = processState();
    const fd = openSync("/dev/zero", "r");
    cleanups.push(() => closeSync(fd));
    expect(leftover(before, processState())).toMatch(new RegExp(`^fds: .*${fd}=/dev/zero`));
  });

  it("a variable left in the environment is found", () => {
    const before = processState();
    process.env.WASM_CNI_TEST_LEFT = "x";
    cleanups.push(() => delete process.env.WASM_CNI_TEST_LEFT);
    expect(leftover(before, processState())).toMatch(/^env: .*WASM_CNI_TEST_LEFT/);
  });

  it("a timer left running is found", () => {
    const before = processState();
    const t = setTimeout(() => undefined, 60_000);
    cleanups.push(() => clearTimeout(t));
    expect(leftover(before, processState())).toMatch(/^handles: .*Timeout/);
  });

  it("a changed umask is found", () => {
    const before = processState();
    const old = process.umask(0);
    process.umask(old === 0o027 ? 0o022 : 0o027);
    cleanups.push(() => process.umask(old));
    expect(leftover(before, processState())).toMatch(/^umask: /);
  });
});
