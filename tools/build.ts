// Builds everything `npm ci` needs: native addon, generated bindings, plugin components,
// transpiled glue, the host bundle and bin/wasm-cni. Filled in step by step.
console.log("build: nothing yet");
