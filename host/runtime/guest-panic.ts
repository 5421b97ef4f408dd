/**
 * What a guest says about its own trap. The SDK's abort handler (guest-plugins/sdk/abi/abort.ts)
 * fills a panic record in linear memory, whose address the main core module exports as the i32
 * global `wasm_cni_panic`, then traps; after the trap the host reads the record. No host call is
 * involved, so a panic cannot spend host calls, cannot run where the canonical ABI forbids host
 * calls, and cannot displace a fault the host already holds (instance.ts: a kept fault wins).
 *
 * Every byte of the record is the guest's: pointers may lie outside memory, lengths may be 4
 * GiB, text may not decode. So at most PANIC_READ_BYTES of each string are read, within
 * memory, decoded without failing (U+FFFD for what does not decode), cut to a few characters
 * and escaped like a log line, and the whole is reported as the plugin's words ("panicked:"),
 * never as the host's.
 */
import { escapeControls } from "../caps/log";

/** The export naming the panic record's address. */
export const PANIC_EXPORT = "wasm_cni_panic";

/** Longest message kept, in UTF-16 code units, before escaping; the rest is cut and counted. */
export const PANIC_MESSAGE_CHARS = 1024;
/** Longest file name kept. */
export const PANIC_FILE_CHARS = 256;
/** At most this many bytes of one string are read from the guest. */
const PANIC_READ_BYTES = 4 * PANIC_MESSAGE_CHARS;

const RECORD_BYTES = 28;
const KINDS: Record<number, "utf-16le" | "utf-8"> = { 1: "utf-16le", 2: "utf-8" };

/** A panic as the guest reported it: text already bounded and escaped. */
export interface PanicReport {
  message: string;
  file: string;
  line: number;
  column: number;
}

/** A guest trap that came with a panic record: what guard() reports as "panicked". */
export class GuestPanic extends Error {
  override readonly name = "GuestPanic";
  /** `trap` is the engine's RuntimeError ("unreachable"), kept as the cause. */
  constructor(readonly report: PanicReport, trap: unknown) {
    // Not the guest's text first: audit.ts reads `plugin "<name>"` at the start of messages.
    super(`the guest panicked: ${report.message} (at ${where(report)})`, { cause: trap });
  }
}

/** "file:line:column". */
export function where(r: PanicReport): string {
  return `${r.file}:${r.line}:${r.column}`;
}

/** The exported value of an i32 global, or undefined (absent, or not a global of that type). */
function globalAddress(exported: unknown): number | undefined {
  const value = (exported as { value?: unknown } | undefined)?.value;
  return typeof value === "number" && Number.isInteger(value) ? value >>> 0 : undefined;
}

/**
 * The panic report the guest left, or undefined when it left none (no export, a kind of 0 or
 * one the host does not know, a record outside memory).
 */
export function readPanic(exports: Record<string, unknown>, memory: ArrayBuffer): PanicReport | undefined {
  const at = globalAddress(exports[PANIC_EXPORT]);
  if (at === undefined || at + RECORD_BYTES > memory.byteLength) return undefined;
  const view = new DataView(memory, at, RECORD_BYTES);
  const word = (i: number): number => view.getUint32(i * 4, true);
  const encoding = KINDS[word(0)];
  if (encoding === undefined) return undefined;
  const utf16 = encoding === "utf-16le";
  const text = (ptr: number, len: number, chars: number, what: string): string => {
    if (ptr + len > memory.byteLength) return `(${what} lies outside its memory)`;
    if (len === 0) return `(no ${what.replace(/^its /, "")})`;
    const read = Math.min(len, PANIC_READ_BYTES);
    const s = new TextDecoder(encoding).decode(new Uint8Array(memory, ptr, read)); // U+FFFD for what does not decode
    if (read === len && s.length <= chars) return escapeControls(s);
    return `${escapeControls(s.slice(0, chars))}…(cut at ${chars} of ${utf16 ? Math.floor(len / 2) : len} ${utf16 ? "characters" : "bytes"})`;
  };
  return {
    message: text(word(1), word(2), PANIC_MESSAGE_CHARS, "its message"),
    file: text(word(3), word(4), PANIC_FILE_CHARS, "its file name"),
    line: word(5),
    column: word(6),
  };
}
