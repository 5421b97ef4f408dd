/**
 * The reviewer's commands, for `wasm-cni <command>` run by hand (CNI_COMMAND unset):
 *   wasm-cni caps [--json]                      every host function, its scope and risk
 *   wasm-cni inspect <plugin|file.wasm> [--json] one plugin: imports, manifest, grant, denials
 *   wasm-cni serve [--dir PATH] [--spares N]     the prestarted host (host/prestart)
 *   wasm-cni install <file.wasm> [--name N] [--plugin-dir D] [--force] [--json]
 *   wasm-cni uninstall <name> [--plugin-dir D] [--json]   a component in and out (install.ts)
 *   wasm-cni agent --config FILE [--leave]       the node agent of a multi-node network (host/agent)
 *   wasm-cni reconcile --plugin <name> --view <file.json> [--json]   a node controller, once (reconcile.ts)
 * tools/build.ts bundles this module on its own (dist/wasm-cni-tools.cjs) and host/main.ts
 * requires it only when there is a command, so a CNI call never loads it (nor node:crypto,
 * which inspect hashes with).
 */
import { existsSync, readFileSync } from "node:fs";
import { leaveAgent, runAgent } from "../agent/agent";
import { AgentConfigError, readAgentConfig } from "../agent/config";
import { controllerReconciler } from "../agent/controller-reconciler";
import { readOwnUnderlay } from "../agent/underlay";
import { CniError } from "../cni/errors";
import type { NativeApi } from "../kernel/native";
import { DEFAULT_DIR, defaultSpares, prestartDir } from "../prestart/protocol";
import { serve } from "../prestart/supervisor";
import type { RuntimeDeps } from "../runtime/guest-call";
import type { Grant } from "../runtime/policy";
import { capsReport, renderCapsReport } from "./caps-report";
import { inspectReport, renderInspectReport } from "./inspect-report";
import { installComponent, renderInstallReport, uninstallPlugin } from "./install";
import { HOST_BINARY_NAME } from "./plugin-name";
import { runReconcile } from "./reconcile";

export interface SubcommandDeps {
  pluginDir: string;
  /** The operator's grants (policy file). */
  policy(): Readonly<Record<string, Grant>>;
  stdout(s: string): void;
  stderr(s: string): void;
  /** bin/wasm-cni-node, which `serve` starts its pool's host processes with. */
  launcher: string;
  native(): NativeApi;
  /** What `reconcile` runs a controller with (process-call.ts createRuntimeDeps). */
  runtime: RuntimeDeps;
}

export const USAGE = `usage: ${HOST_BINARY_NAME} caps [--json]
       ${HOST_BINARY_NAME} inspect <plugin name | path/to/component.wasm> [--json]
       ${HOST_BINARY_NAME} serve [--dir PATH] [--spares N]   (default ${DEFAULT_DIR}, a pool of twice the CPUs, 4-16: ${defaultSpares()} here)
       ${HOST_BINARY_NAME} install <component.wasm> [--name N] [--plugin-dir D] [--force] [--json]
       ${HOST_BINARY_NAME} uninstall <plugin name> [--plugin-dir D] [--json]
       ${HOST_BINARY_NAME} agent --config FILE [--leave]   (the node agent; --leave: the node leaves the cluster for good)
       ${HOST_BINARY_NAME} reconcile --plugin <controller> --view <view.json> [--json]   (once, in this netns)
The plugin directory is WASM_CNI_PLUGIN_DIR, else dist/plugins beside ${HOST_BINARY_NAME}.
Run by a container runtime (CNI_COMMAND set), ${HOST_BINARY_NAME} is a CNI plugin instead.
`;

/** Runs one command and returns its exit code: 0 done, 1 failed, 2 bad usage. */
export function runSubcommand(argv: readonly string[], deps: SubcommandDeps): number {
  const json = argv.includes("--json");
  const [command, ...rest] = argv.filter((a) => a !== "--json");
  const print = (value: unknown, text: () => string): void =>
    deps.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : text());
  try {
    switch (command) {
      case "caps": {
        if (rest.length > 0) return usage(deps, `caps takes no arguments (got ${rest.join(" ")})`);
        const report = capsReport();
        print(report, () => renderCapsReport(report));
        return 0;
      }
      case "inspect": {
        const [target, ...extra] = rest;
        if (target === undefined || extra.length > 0) return usage(deps, "inspect takes one plugin name or component path");
        const report = inspectReport(target, deps);
        print(report, () => renderInspectReport(report));
        return 0;
      }
      case "install": {
        const args = flags(rest, ["--name", "--plugin-dir"], ["--force"]);
        if (typeof args === "string" || args.positional.length !== 1) return usage(deps, typeof args === "string" ? `install: ${args}` : "install takes one component file");
        const report = installComponent(args.positional[0]!, {
          pluginDir: args.values["--plugin-dir"] ?? deps.pluginDir,
          ...(args.values["--name"] !== undefined && { name: args.values["--name"] }),
          force: args.switches.has("--force"),
        });
        print(report, () => renderInstallReport(report));
        return 0;
      }
      case "uninstall": {
        const args = flags(rest, ["--plugin-dir"], []);
        if (typeof args === "string" || args.positional.length !== 1) return usage(deps, typeof args === "string" ? `uninstall: ${args}` : "uninstall takes one plugin name");
        const report = uninstallPlugin(args.positional[0]!, args.values["--plugin-dir"] ?? deps.pluginDir);
        print(report, () => `uninstalled plugin "${report.name}": removed ${report.removed.join(" and ")}\n`
          + "Its policy entry, if any, still grants a plugin of that name: remove it from the policy file too.\n");
        return 0;
      }
      case "help": case "--help": case "-h":
        deps.stdout(USAGE);
        return 0;
      default:
        return usage(deps, `unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    const msg = e instanceof CniError ? e.message : e instanceof Error ? e.message : String(e);
    deps.stderr(`${HOST_BINARY_NAME} ${command}: ${msg}\n`);
    return 1;
  }
}

/** `--flag value` options and `--switch`es among the arguments; a string says what is wrong. */
function flags(args: readonly string[], valued: readonly string[], switches: readonly string[]):
  { positional: string[]; values: Record<string, string>; switches: Set<string> } | string {
  const out = { positional: [] as string[], values: {} as Record<string, string>, switches: new Set<string>() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (valued.includes(a)) {
      const v = args[++i];
      if (v === undefined || v === "") return `${a} needs a value`;
      out.values[a] = v;
    } else if (switches.includes(a)) out.switches.add(a);
    else if (a.startsWith("--")) return `unknown option ${a}`;
    else out.positional.push(a);
  }
  return out;
}

function usage(deps: SubcommandDeps, problem: string): number {
  deps.stderr(`${HOST_BINARY_NAME}: ${problem}\n${USAGE}`);
  return 2;
}

/** The process edge of the commands: the one place besides runProcessCall that sets the exit code. */
export function runSubcommandMain(argv: readonly string[], deps: SubcommandDeps): void {
  if (argv[0] === "serve") {
    void runServe(argv.slice(1), deps).then((code) => void (process.exitCode = code));
    return;
  }
  if (argv[0] === "agent") {
    void runAgentCommand(argv.slice(1), deps).then((code) => void (process.exitCode = code));
    return;
  }
  if (argv[0] === "reconcile") {
    void reconcileCommand(argv.slice(1), deps).then((code) => void (process.exitCode = code));
    return;
  }
  process.exitCode = runSubcommand(argv, deps);
}

/** `serve`: runs until SIGTERM or SIGINT. */
async function runServe(args: readonly string[], deps: SubcommandDeps): Promise<number> {
  let dir = prestartDir(process.env) ?? DEFAULT_DIR;
  let spares = defaultSpares();
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === "--dir" && value?.startsWith("/")) dir = value;
    else if (flag === "--spares" && value && /^[1-9][0-9]?$/.test(value)) spares = Number(value);
    else return usage(deps, `serve: bad argument ${JSON.stringify(flag)}${flag === "--spares" ? " (1-99)" : flag === "--dir" ? " (an absolute path)" : ""}`);
  }
  const log = (line: string): void => deps.stderr(`${HOST_BINARY_NAME} serve: ${line}\n`);
  try {
    await serve({ dir, spares, launcher: deps.launcher, native: deps.native(), log });
    return 0;
  } catch (e) {
    log((e as Error).message);
    return 1;
  }
}

/** `agent --config FILE`: runs until SIGTERM or SIGINT (exit 0; the lease is not revoked). `--leave`: revokes it and exits. */
async function runAgentCommand(args: readonly string[], deps: SubcommandDeps): Promise<number> {
  const parsed = flags(args, ["--config"], ["--leave"]);
  if (typeof parsed === "string" || parsed.positional.length > 0 || parsed.values["--config"] === undefined) {
    return usage(deps, `agent: ${typeof parsed === "string" ? parsed : "takes --config FILE (and --leave), nothing else"}`);
  }
  const log = (line: string): void => deps.stderr(`${HOST_BINARY_NAME} agent: ${line}\n`);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once("SIGTERM", onSignal).once("SIGINT", onSignal);
  try {
    const config = readAgentConfig(parsed.values["--config"]);
    if (parsed.switches.has("--leave")) {
      await leaveAgent(config, log);
      return 0;
    }
    const underlay = readOwnUnderlay(deps.native(), config.underlay.link, config.underlay.address);
    const reconcile = controllerReconciler(deps.runtime, config.controller.plugin);
    await runAgent({ config, underlay, reconcile, log, readFile: (p) => (existsSync(p) ? readFileSync(p, "utf8") : undefined) }, stop.signal);
    return 0;
  } catch (e) {
    // A known error (config, no free subnet, etcd, kernel: typed, with a code) is one line.
    const known = e instanceof AgentConfigError || (e instanceof Error && typeof (e as { code?: unknown }).code === "string");
    log(known ? (e as Error).message : (e as Error).stack ?? String(e));
    return 1;
  } finally {
    process.off("SIGTERM", onSignal).off("SIGINT", onSignal);
  }
}

/** `reconcile --plugin <name> --view <file>`: the controller once (reconcile.ts). */
export function reconcileCommand(argv: readonly string[], deps: SubcommandDeps): Promise<number> {
  const json = argv.includes("--json");
  const args = flags(argv.filter((a) => a !== "--json"), ["--plugin", "--view"], []);
  if (typeof args === "string") return Promise.resolve(usage(deps, `reconcile: ${args}`));
  const plugin = args.values["--plugin"];
  const view = args.values["--view"];
  if (args.positional.length > 0 || plugin === undefined || view === undefined) {
    return Promise.resolve(usage(deps, `reconcile takes --plugin <controller> and --view <view.json>${args.positional.length > 0 ? ` (got ${args.positional.join(" ")})` : ""}`));
  }
  return runReconcile({ plugin, view, json }, { runtime: deps.runtime, stdout: deps.stdout, stderr: deps.stderr });
}
