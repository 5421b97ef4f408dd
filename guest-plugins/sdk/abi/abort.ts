// The abort handler plugins are built with (`asc --use abort=~lib/@wasm-cni/sdk/abi/abort/onAbort`):
// without it asc imports `env.abort` and componentNew rejects the module, as the component may
// import nothing outside the WIT. An abort is a broken invariant, so it traps; the host reports
// the trap as CNI error 999 naming the plugin.

/** Traps: AS aborts (failed assert, out-of-bounds, `throw`) end the call. */
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
