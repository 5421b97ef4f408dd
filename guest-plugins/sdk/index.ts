// @wasm-cni/sdk: what plugins import. One re-export per folder, so a new folder of helpers
// is one more line here. Host interfaces are namespaces (link.create); shared WIT types,
// Result and the helpers are top level.
export * from "./abi/index";
export * from "./bindings/index";
export * from "./json/index";
export * from "./ip/index";
export * from "./cni/index";
export * from "./ipam/index";
export * from "./net/index";
export * from "./masq/index";
export * from "./hash/index";
