// cabi_realloc: the allocator the host calls to place strings, lists and spilled parameters in
// guest memory. Every block is a raw (unmanaged) heap block; the guest frees what it receives
// after lifting it (callee owns argument memory, canonical ABI).

/** The canonical-ABI allocator, exported by every plugin through `@wasm-cni/sdk/exports`. */
export function cabi_realloc(origPtr: usize, origSize: usize, align: usize, newSize: usize): usize {
  // AS heap blocks are 16-byte aligned; the component model never asks for more than 8.
  if (align > 16) unreachable();
  // A zero-sized block needs no memory; an aligned non-null address is enough (never freed).
  if (newSize == 0) return align;
  if (origPtr == 0 || origSize == 0) return heap.alloc(newSize);
  return heap.realloc(origPtr, newSize);
}
