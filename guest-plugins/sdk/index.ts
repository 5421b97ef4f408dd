// @wasm-cni/sdk: what plugins import. One re-export per folder, each named for the package of
// containernetworking/plugins a Go reader would look in (types, skel, ip, ipam, ns). Host
// interfaces are namespaces (link.create); shared WIT types, Result and the helpers are top level.
export * from "./abi/index";
export * from "./bindings/index";
export * from "./json/index";
export * from "./netip/index";
export * from "./types/index";
export * from "./ns/index";
export * from "./ip/index";
export * from "./ipam/index";
export * from "./skel/index";
export * from "./hash/index";
export * from "./cluster/index";
