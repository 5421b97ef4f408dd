import { closeSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { MAX_STDIN_BYTES, readStdinSync } from "../../../host/cli/stdin";
import { VALID_CONFIG, cli } from "./fake-cli";

const file = join(tmpdir(), `wasm-cni-stdin-${process.pid}`);
afterAll(() => rmSync(file, { force: true }));

function readFrom(content: Buffer, limit?: number): Buffer {
  writeFileSync(file, content);
  const fd = openSync(file, "r");
  try {
    return readStdinSync(fd, limit);
  } finally {
    closeSync(fd);
  }
}

describe("readStdinSync", () => {
  test("reads a file descriptor to the end", () => {
    const big = Buffer.alloc(200_000, "x");
    expect(readFrom(big).equals(big)).toBe(true);
  });

  test("reads exactly the limit", () => {
    expect(readFrom(Buffer.alloc(1000, "x"), 1000).length).toBe(1000);
  });

  test("one byte over the limit fails with code 6", () => {
    expect(() => readFrom(Buffer.alloc(1001, "x"), 1000)).toThrow(
      expect.objectContaining({ code: 6, msg: "config on stdin is larger than 1000 bytes" }),
    );
  });

  test("a closed descriptor reads as empty", () => {
    const fd = openSync(file, "w");
    closeSync(fd);
    expect(readStdinSync(fd).length).toBe(0);
  });

  test("a descriptor that cannot be read fails with code 5", () => {
    const fd = openSync(tmpdir(), "r");
    try {
      expect(() => readStdinSync(fd)).toThrow(
        expect.objectContaining({ code: 5, msg: expect.stringMatching(/^error reading from stdin: .*EISDIR/) }),
      );
    } finally {
      closeSync(fd);
    }
  });
});

describe("config on stdin", () => {
  test.each([
    ["empty stdin", "", 6, "no network config on stdin (stdin is empty)"],
    ["whitespace only", " \n\t", 6, "no network config on stdin (stdin is empty)"],
    ["not JSON", "{name: x}", 6, /^network config is not valid JSON: /],
    ["a JSON array", "[]", 6, "network config must be a JSON object, got an array"],
    ["JSON null", "null", 6, "network config must be a JSON object, got null"],
    ["a JSON string", '"bridge"', 6, "network config must be a JSON object, got a string"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), 6, /^network config is not valid JSON: /],
  ])("%s fails with code 6", async (_what, stdin, code, msg) => {
    const r = await cli({ stdin });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ cniVersion: "1.1.0", code, msg });
    expect(r.calls).toHaveLength(0);
  });

  test(`a config larger than ${MAX_STDIN_BYTES} bytes fails with code 6`, async () => {
    const padding = "x".repeat(MAX_STDIN_BYTES);
    const r = await cli({ stdin: { ...VALID_CONFIG, padding } });
    expect(r.json()).toMatchObject({ code: 6, msg: `config on stdin is larger than ${MAX_STDIN_BYTES} bytes` });
    expect(r.calls).toHaveLength(0);
  });
});
