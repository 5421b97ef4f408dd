/**
 * The seam between the CLI edge and the runtime: dispatch hands one validated call to a
 * PluginRunner and never knows how the plugin runs (Wasm component, in-process delegation,
 * native exec). Tests inject a fake; the binary injects host/runtime's runner.
 */
import type { NetConf } from "../cni/netconf";
import type { KubernetesPod } from "./cni-args";

/** The verbs that reach a plugin; VERSION is answered by dispatch itself. */
export type CniVerb = "ADD" | "DEL" | "CHECK" | "STATUS" | "GC";

/** One CNI call, validated: what skel's CmdArgs holds, plus the plugin it is meant for. */
export interface CniCall {
  command: CniVerb;
  /** CNI_CONTAINERID; empty for STATUS and GC, which take none. */
  containerId: string;
  /** CNI_NETNS; absent when the runtime did not give one (DEL, STATUS, GC). */
  netns?: string;
  /** CNI_IFNAME; empty for STATUS and GC. */
  ifname: string;
  /** CNI_ARGS as ordered pairs, `"K=V;K2=V2"` → `[["K","V"],["K2","V2"]]`. */
  args: [string, string][];
  /** The pod named by CNI_ARGS' K8S_POD_* keys (for logs and audit); absent outside Kubernetes. */
  pod?: KubernetesPod;
  /** CNI_PATH split on ":", empty entries dropped. */
  path: string[];
  /**
   * The validated config. `cniVersion` is the runtime's; `prevResult`, if any, has already
   * been converted to the current result version, so a plugin sees one shape only.
   */
  config: NetConf;
  /** stdin exactly as received: delegated plugins get the complete config (SPEC.md). */
  rawConfig: string;
  /** From argv[0] (a symlink named after the plugin), else the config's `plugin` or `type`. */
  pluginName: string;
}

export interface PluginRunner {
  /**
   * Runs the verb. For ADD it resolves to the plugin's raw result (a JSON value, checked and
   * converted by dispatch); for other verbs its value is ignored. Throw a CniError to fail
   * with a code; anything else is reported as 999.
   */
  run(call: CniCall): Promise<unknown>;
}

/** Everything the process gives the CLI, as parameters so that tests call it in process. */
export interface CliIo {
  /** The name we were exec'd under (argv[0] or the script path), used to pick the plugin. */
  argv0: string;
  env: Record<string, string | undefined>;
  /** Reads all of stdin; called at most once. */
  stdin: () => Buffer;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}
