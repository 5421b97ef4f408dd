#!/usr/bin/env node
// The SDK's build command. Its code, dist/wasm-cni-build.mjs, is built from the wasm-cni
// repository's tools/wasm-cni-build.ts (`npm run build`, and on `npm pack`); this file stays
// put so that npm can link the command before that build has run.
import "../dist/wasm-cni-build.mjs";
