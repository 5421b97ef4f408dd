import { describe, expect, it } from "vitest";
import type { CallContext } from "../../../host/caps/context";
import { createLogCaps } from "../../../host/caps/log";
import { DEFAULT_LIMITS } from "../../../host/runtime/policy";

function logCaps() {
  const lines: string[] = [];
  const ctx = {
    plugin: "evil", grant: { interfaces: ["log"], hostNetns: false, delegates: [], ...DEFAULT_LIMITS },
    records: [], hostCalls: 0, log: (line: string) => void lines.push(line),
  } as unknown as CallContext;
  return { log: createLogCaps(ctx), lines };
}

describe("log.write", () => {
  it("writes one line prefixed with the plugin and the level", () => {
    const { log, lines } = logCaps();
    log.write("warn", "hello ü 网络");
    expect(lines).toEqual(["evil warn: hello ü 网络"]);
  });

  it("escapes every control character visibly, so a line cannot pose as another plugin's or drive the terminal", () => {
    const { log, lines } = logCaps();
    log.write("info", "ok\nbridge error: forged\r\x1b[2K\x1b]0;title\x07\x00\x7f\x85\x9b31m");
    log.write("info", "\u202egnp.exe \u2066x\u2069 \u2028next\u2029 \u200f\u061c");
    expect(lines).toEqual([
      "evil info: ok\\x0abridge error: forged\\x0d\\x1b[2K\\x1b]0;title\\x07\\x00\\x7f\\x85\\x9b31m",
      "evil info: \\u202egnp.exe \\u2066x\\u2069 \\u2028next\\u2029 \\u200f\\u061c",
    ]);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  });

  it("keeps a line to 4096 characters of the message, and a character cut in half is escaped, not passed on", () => {
    const { log, lines } = logCaps();
    log.write("debug", `${"a".repeat(4095)}😀`);
    expect(lines[0]).toBe(`evil debug: ${"a".repeat(4095)}\\ud83d`);
  });
});
