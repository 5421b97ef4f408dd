// A host process of `wasm-cni serve`'s pool (host/prestart): bin/wasm-cni-node runs this bundle
// when the supervisor starts it with WASM_CNI_SPARE=1. It warms up, then takes calls one at a
// time and runs each as main.ts would. A bundle of its own, so that none of this is loaded by a
// cold call.
import { writeFd } from "./cli/process-io";
import { createRuntimeDeps, getNative, hostDir, runCniCall, runProcessCall } from "./process-call";
import { serveCalls } from "./prestart/host-process";
import { DEFAULT_DIR, prestartDir, warmUpDataDir } from "./prestart/protocol";
import { warmUp, type WarmUpCall } from "./prestart/warm-up";
import { defaultPluginDir } from "./runtime/plugin-dir";

delete process.env.WASM_CNI_SPARE;
const dir = prestartDir(process.env) ?? DEFAULT_DIR;
// stderr is serve's between calls (host-process.ts keeps a copy of it for then).
const log = (line: string): void => writeFd(2, `wasm-cni serve: ${line}\n`);
// The warm-up's calls: the built-in grants whatever the node's policy says, and no audit line.
const warmUpCall: WarmUpCall = (io) => runCniCall(io, { ...createRuntimeDeps(io.env), policy: () => ({}), auditLog: () => undefined });
void warmUp(getNative(), defaultPluginDir(process.env, hostDir), warmUpDataDir(dir, process.pid), log, warmUpCall)
  .then(() => serveCalls(getNative(), dir, log, (argv0) => runProcessCall(argv0, true)));
