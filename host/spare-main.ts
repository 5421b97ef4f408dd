// A spare of `wasm-cni serve` (host/prestart): bin/wasm-cni runs this bundle when the supervisor
// starts it with WASM_CNI_SPARE=1. It warms up, then takes one call and runs it as main.ts would.
// A bundle of its own, so that none of this is loaded by a cold call.
import { writeFd } from "./cli/process-io";
import { getNative, hostDir, runProcessCall } from "./process-call";
import { DEFAULT_DIR, prestartDir, warmUpDataDir } from "./prestart/protocol";
import { takeOneCall } from "./prestart/spare";
import { warmUp } from "./prestart/warm-up";
import { defaultPluginDir } from "./runtime/plugin-dir";

delete process.env.WASM_CNI_SPARE;
const dir = prestartDir(process.env) ?? DEFAULT_DIR;
const log = (line: string): void => writeFd(2, `wasm-cni serve: ${line}\n`);
void warmUp(getNative(), defaultPluginDir(process.env, hostDir), warmUpDataDir(dir, process.pid), log)
  .then(() => takeOneCall(getNative(), dir, (argv0) => runProcessCall(argv0, true)));
