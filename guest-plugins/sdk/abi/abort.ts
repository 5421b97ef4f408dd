// The abort handler plugins are built with (`asc --use abort=~lib/@wasm-cni/sdk/abi/abort/onAbort`):
// without it asc imports `env.abort` and componentNew rejects the module, as the component may
// import nothing outside the WIT. An abort is a broken invariant, so it traps; the host reports
// the trap as CNI error 999 naming the plugin.
//
// So that the error says what happened, the handler first fills the panic record, a static
// block whose address the module exports as the i32 global `wasm_cni_panic` (exports.ts; wit-
// component keeps it in the main core module, which the host instantiates itself). After the
// trap the host reads the record from linear memory (host/runtime/guest-panic.ts). No import and
// no allocation: the handler works when memory is full, inside cabi_realloc, and in a plugin
// granted nothing. Layout, little-endian u32s:
//   0 kind (0 none, 1 strings in UTF-16LE, 2 strings in UTF-8), written last
//   4 message pointer   8 message length in bytes
//  12 file pointer     16 file length in bytes
//  20 line             24 column

const RECORD: usize = memory.data(28, 4);

/** The panic record's address, exported for the host: `export { wasm_cni_panic }` in exports.ts. */
export const wasm_cni_panic: usize = RECORD;

/** AssemblyScript strings are UTF-16LE. */
const KIND_UTF16: u32 = 1;

/** Leaves what happened in the panic record, then traps: AS aborts (failed assert, out-of-bounds, `throw`) end the call. */
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  store<u32>(RECORD, 0);
  store<u32>(RECORD, message ? changetype<usize>(message) : 0, 4);
  store<u32>(RECORD, message ? <u32>message.length << 1 : 0, 8);
  store<u32>(RECORD, fileName ? changetype<usize>(fileName) : 0, 12);
  store<u32>(RECORD, fileName ? <u32>fileName.length << 1 : 0, 16);
  store<u32>(RECORD, line, 20);
  store<u32>(RECORD, column, 24);
  store<u32>(RECORD, KIND_UTF16);
  unreachable();
}
