/**
 * The resource limits of one plugin, besides its CPU time (time-limit.ts). Each comes from the
 * plugin's grant (policy.ts; the policy file may set them per plugin) and a hit ends the call
 * as CNI error 999 naming the limit, with the call's kernel changes rolled back.
 */

/** 64 KiB, the unit of Wasm linear memory. */
export const WASM_PAGE_BYTES = 65_536;

/** Linear memory a plugin may declare: 256 pages, 16 MiB (a bridge ADD uses well under 1 MiB). */
export const DEFAULT_MEMORY_PAGES = 256;
/** The largest string a plugin may hand the host (its result, an error, a host-call argument). */
export const DEFAULT_MAX_STRING_BYTES = 1_048_576;
/** Host function calls per verb (a bridge ADD makes about 30). */
export const DEFAULT_MAX_HOST_CALLS = 10_000;

/**
 * Bytes the host takes from the plugins of one call (its main plugin and delegates together):
 * every string and list lifted from their memories, and what it keeps per host call for the
 * audit log. 16 MiB: a bridge ADD lifts a few KiB.
 */
export const DEFAULT_MAX_HOST_BYTES = 16 * 1_048_576;

/**
 * Table elements a core module may declare in all its tables together (a fixed host maximum,
 * not a grant key): asc emits one table of a few dozen functions; V8 allocates a table's
 * elements outside linear memory, and grows it in one uninterruptible instruction.
 */
export const MAX_TABLE_ELEMENTS = 65_536;

/**
 * The policy keys that name a limit, as they appear in messages and audit denials
 * ("tableElements" is the host's fixed MAX_TABLE_ELEMENTS).
 */
export type LimitName =
  | "memoryPages" | "maxStringBytes" | "maxHostCalls" | "maxHostBytes" | "timeLimitMs" | "tableElements"
  | "storeBytesPerCall" | "storeKeysPerBucket" | "storeValueBytes";

// The store quota (host/caps/store.ts). A host-local reservation is an address key and
// "<container id>\r\n<ifname>" (about 100 bytes), plus one last_reserved_ip key per range: a
// full /16 (65,534 addresses) fits twice over in one bucket, and an ADD writes a few hundred bytes.
/** Bytes of keys and values one plugin may write with store.put in one call. */
export const DEFAULT_STORE_BYTES_PER_CALL = 1_048_576;
/** Keys one bucket may hold: a new key past it is refused (existing keys may be rewritten). */
export const DEFAULT_STORE_KEYS_PER_BUCKET = 131_072;
/** Bytes of one value. */
export const DEFAULT_STORE_VALUE_BYTES = 4_096;

/** A plugin hit one of its limits. The audit log lists it as a denial (fn "limit"). */
export class LimitError extends Error {
  override readonly name = "LimitError";
  constructor(
    readonly plugin: string,
    readonly limit: LimitName,
    message: string,
  ) {
    super(message);
  }
}

/** "16 MiB", "1.5 KiB", "100 B": sizes in messages. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} B`;
}
