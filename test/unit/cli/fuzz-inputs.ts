/**
 * Generators of malformed input for bad-input-fuzz.test.ts, all driven by one seeded PRNG so
 * that a failing case reproduces from its seed and index. No dependency: mulberry32.
 */

export type Rand = () => number;

/** mulberry32: 32-bit state, good enough to spread test cases, and deterministic. */
export function seededRandom(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rand: Rand, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

export function int(rand: Rand, max: number): number {
  return Math.floor(rand() * max);
}

/** Code points that break things: quotes, backslashes, controls, NUL, a surrogate pair, RTL. */
const CHARS = ["a", "Z", "0", "-", "_", ".", "/", ":", " ", "\t", "\n", '"', "\\", "\u0000", "\u007f", "é", "😀", "\u202e", "{", "]", "=", ";"];

export function randomString(rand: Rand, maxLength = 12): string {
  let s = "";
  for (let n = int(rand, maxLength + 1); n > 0; n--) s += pick(rand, CHARS);
  return s;
}

const NUMBERS = [0, -1, 1, 1.5, -0.5, 1e308, -1e308, 2 ** 53 + 1, 65536, 4294967296];

/** Any JSON value; an object never holds "name", so no random value is a valid config. */
export function randomJson(rand: Rand, depth = 3): unknown {
  const kind = int(rand, depth > 0 ? 6 : 4);
  if (kind === 0) return null;
  if (kind === 1) return rand() < 0.5;
  if (kind === 2) return pick(rand, NUMBERS);
  if (kind === 3) return randomString(rand);
  if (kind === 4) return Array.from({ length: int(rand, 4) }, () => randomJson(rand, depth - 1));
  const obj: Record<string, unknown> = {};
  for (let n = int(rand, 5); n > 0; n--) {
    const key = rand() < 0.5 ? pick(rand, KNOWN_KEYS) : randomString(rand, 6);
    if (key !== "name") obj[key] = randomJson(rand, depth - 1);
  }
  return obj;
}

const KNOWN_KEYS = ["cniVersion", "cniVersions", "type", "ipam", "dns", "args", "prevResult", "runtimeConfig", "capabilities", "ipMasq"];

/** One value of each JSON kind, to put where another kind belongs. */
export const SAMPLES: readonly unknown[] = [null, true, false, 0, -1, 1.5, "", "x", "10.1.0.2/24", [], ["x"], [1], {}, { a: 1 }];

export type Kind = "null" | "boolean" | "number" | "string" | "array" | "object";

export function kindOf(v: unknown): Kind {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v as Kind;
}

/** Sets `path` (keys and indexes) in a deep copy of `doc` to `value`. */
export function withValueAt(doc: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (last === undefined) return value;
  at[last] = value;
  return copy;
}

/** Byte sequences no UTF-8 decoder may accept: a lone 0xff, overlong NUL, a surrogate, a cut-off sequence. */
export const INVALID_UTF8: readonly number[][] = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]];

/** `bytes` with one invalid sequence inserted at a random position. */
export function withInvalidUtf8(rand: Rand, bytes: Buffer): Buffer {
  const at = int(rand, bytes.length + 1);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(pick(rand, INVALID_UTF8)), bytes.subarray(at)]);
}
