// The host binary: bin/wasm-cni. A runtime execs it (or a symlink named after a plugin) with
// the CNI environment; everything else happens in host/cli (the protocol) and host/runtime.
import { join } from "node:path";
import { processIo, runMain } from "./cli/process-io";
import { loadNative } from "./kernel/native";
import { createRunner } from "./runtime/run-plugin";
import { defaultPluginDir } from "./runtime/plugin-dir";
import { createTrace } from "./runtime/trace";
import { createDiskStore } from "./store/disk";

const trace = createTrace(process.env.WASM_CNI_TRACE === "1", (s) => process.stderr.write(s));
trace.mark("main");
const native = loadNative(join(__dirname, "..", "native", "build", "Release"));
const runner = createRunner({
  pluginDir: defaultPluginDir(process.env, __dirname),
  native,
  store: createDiskStore((fd) => void native.flock(fd, "ex", true)),
  log: (line) => void process.stderr.write(`wasm-cni: ${line}\n`),
  mark: trace.mark,
});
void runMain(runner, processIo()).finally(() => trace.end(runner.records));
