// Memory ownership of the canonical ABI, as the generated bindings use it:
// - arguments the guest passes to an import, and results it returns from an export, are raw
//   blocks the guest allocates; it records each in OWNED and releases them after the import
//   returns, or in `cabi_post_<export>` after the host has read the result;
// - strings and lists the host writes into guest memory (export arguments, import results) come
//   from `cabi_realloc`; the guest frees each block right after lifting it. A block of length 0 was
//   never allocated (jco passes "" as ptr=1, len=0), so it is never freed.

const OWNED = new Array<usize>();

// @ts-ignore: decorator
@unsafe
export function track(ptr: usize): usize {
  OWNED.push(ptr);
  return ptr;
}

/** A position in the ownership list; `release(mark)` frees every block tracked after it. */
// @ts-ignore: decorator
@unsafe
export function mark(): i32 {
  return OWNED.length;
}

// @ts-ignore: decorator
@unsafe
export function release(at: i32): void {
  while (OWNED.length > at) heap.free(OWNED.pop());
}

/** Frees a block the host allocated with cabi_realloc, unless it is the empty one. */
// @ts-ignore: decorator
@unsafe
export function freeReceived(ptr: usize, len: usize): void {
  if (len != 0 && ptr > 16) heap.free(ptr);
}

/** Byte length of `s` in UTF-8 (lone surrogates become U+FFFD, 3 bytes). */
// @ts-ignore: decorator
@unsafe
export function utf8Length(s: string): usize {
  return <usize>String.UTF8.byteLength(s, false);
}

/** Copies `s` as UTF-8 (`len` bytes, from utf8Length) into a tracked block; returns its address. */
// @ts-ignore: decorator
@unsafe
export function utf8Encode(s: string, len: usize): usize {
  if (len == 0) return 1;
  const buf = track(heap.alloc(len));
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, buf, false, String.UTF8.ErrorMode.REPLACE);
  return buf;
}

/** Stores `s` as the (ptr, len) pair of the canonical ABI at `dst`. */
// @ts-ignore: decorator
@unsafe
export function storeString(s: string, dst: usize): void {
  const len = utf8Length(s);
  store<u32>(dst, <u32>utf8Encode(s, len));
  store<u32>(dst, <u32>len, 4);
}

/** Decodes a UTF-8 string received from the host and frees its block. */
// @ts-ignore: decorator
@unsafe
export function liftString(ptr: usize, len: usize): string {
  if (len == 0) return "";
  const s = String.UTF8.decodeUnsafe(ptr, len, false);
  freeReceived(ptr, len);
  return s;
}

/** Loads the (ptr, len) pair at `src` and lifts the string. */
// @ts-ignore: decorator
@unsafe
export function loadString(src: usize): string {
  return liftString(<usize>load<u32>(src), <usize>load<u32>(src, 4));
}

/** A tracked block for `n` list elements of `size` bytes; an aligned dummy address when empty. */
// @ts-ignore: decorator
@unsafe
export function allocList(n: i32, size: usize, align: usize): usize {
  if (n == 0) return align;
  return track(heap.alloc(<usize>n * size));
}

/** A tracked block for spilled parameters or a result area. */
// @ts-ignore: decorator
@unsafe
export function allocArea(size: usize): usize {
  return track(heap.alloc(size));
}

// Blocks of an export's result stay alive until the host calls cabi_post_<export>.
let returnMark: i32 = 0;

/** Called at the start of every export: everything tracked from here is freed in post-return. */
// @ts-ignore: decorator
@unsafe
export function beginReturn(): void {
  returnMark = mark();
}

/** The body of every cabi_post_<export>. */
// @ts-ignore: decorator
@unsafe
export function endReturn(): void {
  release(returnMark);
}
