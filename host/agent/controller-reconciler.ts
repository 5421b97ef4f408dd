/**
 * The agent's Reconciler: runs the network's controller component on the view
 * (`runController`, host/runtime/run-controller.ts) in the agent's process and netns, under the
 * controller's grant and limits, journal on (a failed reconcile is rolled back), one audit line
 * per reconcile (command RECONCILE).
 */
import type { RuntimeDeps } from "../runtime/guest-call";
import { runController } from "../runtime/run-controller";
import type { Reconciler } from "./reconcile-loop";

/** The Reconciler that runs controller `plugin` (e.g. "overlay-controller"). */
export function controllerReconciler(runtime: RuntimeDeps, plugin: string): Reconciler {
  return async (view) => {
    const out = await runController(runtime, plugin, view);
    if (out.ok) return out;
    const { code, msg, details } = out.error;
    return { ok: false, error: { code, msg, ...(details !== undefined && { details }) } };
  };
}
