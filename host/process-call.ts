// One call of this process: what bin/wasm-cni does for a runtime, used by the cold entry
// (host/main.ts) and by a spare of `wasm-cni serve` (host/spare-main.ts) once it has a call.
import { basename, join } from "node:path";
import { runCli } from "./cli/dispatch";
import type { CliIo } from "./cli/plugin-runner";
import { processIo, writeFd } from "./cli/process-io";
import { loadNative, type NativeApi } from "./kernel/native";
import { auditLogPath, openAuditLog } from "./runtime/audit";
import { readPolicyFile } from "./runtime/policy-file";
import { createRunner, type RuntimeDeps } from "./runtime/run-plugin";
import { defaultPluginDir } from "./runtime/plugin-dir";
import { createTrace, type Trace } from "./runtime/trace";
import { createDiskStore } from "./store/disk";
import { pollingLocker } from "./store/lock";

/** How long a call waits for another call on the same network to release the IPAM state. */
const STORE_LOCK_WAIT_MS = 4_000;

// Where the install lives: the bundles in dist/ (run by bin/wasm-cni-node, which the exec shim
// bin/wasm-cni runs cold), dist/plugins the plugins, native/ the addon and the shim.
export const hostDir = join(__dirname, "..", "bin");
let native: NativeApi | undefined;
export const getNative = (): NativeApi => (native ??= loadNative(join(hostDir, "..", "native", "build", "Release")));

/**
 * What running a component takes in this process, from `env` (WASM_CNI_PLUGIN_DIR,
 * WASM_CNI_POLICY, WASM_CNI_AUDIT_LOG): the plugin directory, the policy file (read when first
 * needed), the store, the audit log of each call. For CNI calls, `wasm-cni reconcile` and
 * `wasm-cni agent` (runController) alike.
 */
export function createRuntimeDeps(env: Record<string, string | undefined>, mark: (phase: string) => void = () => {}): RuntimeDeps & { policyFile(): ReturnType<typeof readPolicyFile> } {
  let policy: ReturnType<typeof readPolicyFile> | undefined;
  const policyFile = () => (policy ??= readPolicyFile(env));
  return {
    pluginDir: defaultPluginDir(env, hostDir),
    native: getNative,
    store: createDiskStore(pollingLocker((fd) => getNative().flock(fd, "ex", false), STORE_LOCK_WAIT_MS)),
    policy: () => policyFile().plugins,
    policyFile,
    log: (line) => writeFd(2, `wasm-cni: ${line}\n`),
    mark,
    auditLog: () => {
      const path = auditLogPath(env, () => policyFile().auditLog);
      return path === undefined ? undefined : openAuditLog(path);
    },
  };
}

/**
 * One CNI call (or a reviewer's subcommand) for this process, with the environment as it is
 * now. `prestarted`: run by a spare of `wasm-cni serve` (the trace says so).
 */
export function runProcessCall(argv0?: string, prestarted = false): Promise<void> {
  const env = process.env;
  const trace = createTrace(env.WASM_CNI_TRACE === "1", (s) => writeFd(2, s), prestarted);
  trace.mark("main");
  const deps = createRuntimeDeps(env, trace.mark);
  const { pluginDir, policyFile } = deps;
  // Run by hand with a command (`wasm-cni caps`): the reviewer's tools, loaded only then.
  const subcommand = env.CNI_COMMAND ? undefined : process.argv.slice(2);
  if (subcommand !== undefined && subcommand.length > 0) {
    // A bundle of their own beside this one (tools/build.ts): in this bundle they cost every call ~1 ms.
    const tools = require(join(__dirname, "wasm-cni-tools.cjs")) as typeof import("./cli/subcommands");
    tools.runSubcommandMain(subcommand, {
      pluginDir, policy: () => policyFile().plugins, stdout: (s) => writeFd(1, s), stderr: (s) => writeFd(2, s), launcher: join(hostDir, "wasm-cni-node"), native: getNative, runtime: deps,
    });
    return Promise.resolve();
  }
  const io = processIo(argv0);
  return runCniCall(io, deps, trace).then((code) => {
    process.exitCode = code;
  });
}

/**
 * A CNI call given its io and deps, as every call of this process runs it: a fresh runner
 * (call context), the dispatch, the audit line. Also what the pool's warm-up runs
 * (host/prestart/warm-up.ts), so that a host process's first call finds this code warm.
 */
export async function runCniCall(io: CliIo, deps: RuntimeDeps, trace?: Trace): Promise<number> {
  const runner = createRunner(deps);
  // Exec'd as a symlink named after the plugin: compile it while stdin and the config are read
  // (not for VERSION, which runs no plugin and would wait for the compile to exit).
  const command = io.env.CNI_COMMAND;
  if (command !== undefined && command !== "VERSION") runner.prefetch(basename(io.argv0));
  let code = 1;
  try {
    code = await runCli(io, runner);
    return code;
  } finally {
    runner.flushAudit(code);
    trace?.end(runner.records);
  }
}
