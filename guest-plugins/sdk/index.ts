// @wasm-cni/sdk: what plugins import. One re-export per folder, so a new folder of helpers
// (json/, ip/, cni/) is one more line here.
export * from "./abi/index";
export * from "./bindings/index";
