// `export * from "@wasm-cni/sdk/controller-exports"` in a controller's entry file: the
// canonical-ABI exports of world controller (reconcile, cabi_post_reconcile, cabi_realloc) and
// the panic record's address (abi/abort.ts). AS exports only what the entry file exports, so
// the controller re-exports this module and nothing else.
export * from "./bindings/controller-exports";
export { wasm_cni_panic } from "./abi/abort";
