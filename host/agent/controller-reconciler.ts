/**
 * The agent's Reconciler: runs the network's controller component on the view, in the agent's
 * process, under the controller's grant and limits, with an audit line (command RECONCILE).
 *
 * WIRING PENDING: `runController(deps, plugin, view)` from host/runtime/run-controller.ts
 * (branch i14-ctrl) was not committed when the agent was written. Until it is wired here, every
 * reconcile fails with code 50 and says why (status.json, stderr), and the agent retries with
 * backoff: the lease, subnets, conflist and view all work without it.
 */
import type { NativeApi } from "../kernel/native";
import type { Grant } from "../runtime/policy";
import type { Reconciler } from "./reconcile-loop";

export interface ControllerReconcilerDeps {
  pluginDir: string;
  policy(): Readonly<Record<string, Grant>>;
  native(): NativeApi;
  log(line: string): void;
}

/** The Reconciler that runs controller `plugin` (e.g. "overlay-controller"). */
export function controllerReconciler(_deps: ControllerReconcilerDeps, plugin: string): Reconciler {
  return () => Promise.resolve({
    ok: false,
    error: { code: 50, msg: `controller ${plugin}: this build of wasm-cni has no controller runtime yet (host/runtime/run-controller.ts)` },
  });
}
