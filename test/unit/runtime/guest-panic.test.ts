// The panic record as hostile input: every pointer, length, kind and byte is the guest's.
import { describe, expect, it } from "vitest";
import { PANIC_EXPORT, PANIC_FILE_CHARS, PANIC_MESSAGE_CHARS, readPanic } from "../../../host/runtime/guest-panic";

const PAGE = 65_536;
const AT = 64; // the record's address

/** A memory of one page with the record at AT and `strings` written from 1024 on. */
function guest(kind: number, message: Uint8Array, file: Uint8Array, line = 12, column = 34, over: Partial<Record<"msgPtr" | "msgLen" | "filePtr" | "fileLen", number>> = {}) {
  const buffer = new ArrayBuffer(PAGE);
  const bytes = new Uint8Array(buffer);
  const msgPtr = 1024;
  const filePtr = msgPtr + message.length;
  bytes.set(message, msgPtr);
  bytes.set(file, filePtr);
  const v = new DataView(buffer);
  const words = [kind, over.msgPtr ?? msgPtr, over.msgLen ?? message.length, over.filePtr ?? filePtr, over.fileLen ?? file.length, line, column];
  words.forEach((w, i) => v.setUint32(AT + i * 4, w >>> 0, true));
  return { buffer, exports: { [PANIC_EXPORT]: { value: AT } } as Record<string, unknown> };
}
const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));
const utf16 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf16le"));

describe("readPanic", () => {
  it("reads an AssemblyScript record (UTF-16LE) and a UTF-8 one", () => {
    const a = guest(1, utf16("boom ✓"), utf16("~lib/array.ts"));
    expect(readPanic(a.exports, a.buffer)).toEqual({ message: "boom ✓", file: "~lib/array.ts", line: 12, column: 34 });
    const b = guest(2, utf8("boom ✓"), utf8("src/x.rs"), 1, 2);
    expect(readPanic(b.exports, b.buffer)).toEqual({ message: "boom ✓", file: "src/x.rs", line: 1, column: 2 });
  });

  it("no record: no export, an export that is not an i32 global, kind 0 or unknown, a record past the end of memory", () => {
    const g = guest(1, utf16("x"), utf16("f"));
    expect(readPanic({}, g.buffer)).toBeUndefined();
    expect(readPanic({ [PANIC_EXPORT]: () => AT }, g.buffer)).toBeUndefined();
    expect(readPanic({ [PANIC_EXPORT]: { value: 1n } }, g.buffer)).toBeUndefined();
    expect(readPanic({ [PANIC_EXPORT]: { value: PAGE - 20 } }, g.buffer)).toBeUndefined();
    expect(readPanic({ [PANIC_EXPORT]: { value: -1 } }, g.buffer)).toBeUndefined();
    for (const kind of [0, 3, 0xffff_ffff]) {
      const k = guest(kind, utf16("x"), utf16("f"));
      expect(readPanic(k.exports, k.buffer)).toBeUndefined();
    }
  });

  it("strings outside memory or of 4 GiB are named as such, never read", () => {
    const g = guest(2, utf8("x"), utf8("f"), 1, 1, { msgPtr: 0xffff_f000, msgLen: 0xffff_ffff, filePtr: PAGE - 2, fileLen: 3 });
    expect(readPanic(g.exports, g.buffer)).toEqual({ message: "(its message lies outside its memory)", file: "(its file name lies outside its memory)", line: 1, column: 1 });
  });

  it("an empty message or file says so", () => {
    const g = guest(1, new Uint8Array(), new Uint8Array());
    expect(readPanic(g.exports, g.buffer)).toMatchObject({ message: "(no message)", file: "(no file name)" });
  });

  it("a long message is cut at PANIC_MESSAGE_CHARS and a long file at PANIC_FILE_CHARS, with the full length", () => {
    const g = guest(1, utf16("m".repeat(5000)), utf16("f".repeat(1000)));
    const r = readPanic(g.exports, g.buffer)!;
    expect(r.message).toBe(`${"m".repeat(PANIC_MESSAGE_CHARS)}…(cut at ${PANIC_MESSAGE_CHARS} of 5000 characters)`);
    expect(r.file).toBe(`${"f".repeat(PANIC_FILE_CHARS)}…(cut at ${PANIC_FILE_CHARS} of 1000 characters)`);
    // A length far beyond what is read (but within memory) is counted, not read.
    const u = guest(2, utf8("y".repeat(30_000)), utf8("f"));
    expect(readPanic(u.exports, u.buffer)!.message).toBe(`${"y".repeat(PANIC_MESSAGE_CHARS)}…(cut at ${PANIC_MESSAGE_CHARS} of 30000 bytes)`);
  });

  it("escapes what a terminal or log reader would act on and replaces what does not decode", () => {
    const g = guest(2, new Uint8Array([0x61, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0xff, 0xe2, 0x80, 0xae, 0x62]), utf8("a\rb"));
    expect(readPanic(g.exports, g.buffer)).toMatchObject({ message: "a\\x1b[2J\\x0a\ufffd\\u202eb", file: "a\\x0db" });
    const h = guest(1, new Uint8Array([0x00, 0xd8, 0x41, 0x00]), utf16("f")); // a lone high surrogate, then "A"
    expect(readPanic(h.exports, h.buffer)!.message).toBe("\ufffdA");
  });
});
