import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
/** The host binary and the plugin directory a runtime would use. */
export const HOST_BIN = join(ROOT, "bin/wasm-cni");
export const CNI_BIN = join(ROOT, "dist/cni-bin");
