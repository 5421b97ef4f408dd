{
  "targets": [
    {
      "target_name": "wasm_cni_native",
      "sources": ["wasm_cni_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    },
    {
      "target_name": "wasm-cni-shim",
      "type": "executable",
      "sources": ["shim.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "ldflags": ["-static"],
      "defines": ["_GNU_SOURCE"]
    }
  ]
}
