// The host binary: bin/wasm-cni. A runtime execs it (or a symlink named after a plugin) with
// the CNI environment; everything else happens in host/cli (the protocol) and host/runtime.
// (A spare of `wasm-cni serve` runs host/spare-main.ts instead, a bundle of its own.)
import { runProcessCall } from "./process-call";

void runProcessCall();
