// `export * from "@wasm-cni/sdk/exports"` in a plugin's entry file: the canonical-ABI exports
// (add, del, check, status, gc, their cabi_post_*, cabi_realloc) and the panic record's address
// (abi/abort.ts). AS exports only what the entry file exports, so the plugin re-exports this
// module and nothing else.
export * from "./bindings/plugin-exports";
export { wasm_cni_panic } from "./abi/abort";
