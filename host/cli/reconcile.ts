/**
 * `wasm-cni reconcile --plugin <name> --view <file.json> [--json]`: runs a node controller's
 * reconcile once (runController) in the network namespace this process is in, with the cluster
 * view of the file, as `wasm-cni agent` does on every change of the cluster; prints the outcome.
 * For operators (what would the controller do with this view? run it in a test netns with `ip
 * netns exec`) and for tests. Exit 0 when the reconcile succeeded, 1 when it failed (rolled
 * back) or the view file is not a view, 2 on bad usage.
 */
import { readFileSync } from "node:fs";
import { parseClusterView } from "../runtime/cluster-view";
import type { RuntimeDeps } from "../runtime/guest-call";
import { runController } from "../runtime/run-controller";
import { HOST_BINARY_NAME } from "./plugin-name";

export interface ReconcileArgs {
  plugin: string;
  view: string;
  json: boolean;
}

export interface ReconcileIo {
  runtime: RuntimeDeps;
  stdout(s: string): void;
  stderr(s: string): void;
}

/** Reads and checks the view file; throws an Error naming the file (and the field). */
export function readViewFile(path: string): ReturnType<typeof parseClusterView> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`view file ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`view file ${path} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseClusterView(value, `view file ${path}`);
}

/** Runs the controller once; returns the exit code. */
export async function runReconcile(args: ReconcileArgs, io: ReconcileIo): Promise<number> {
  const fail = (msg: string): number => {
    if (args.json) io.stdout(`${JSON.stringify({ ok: false, error: { code: 7, msg } }, null, 2)}\n`);
    io.stderr(`${HOST_BINARY_NAME} reconcile: ${msg}\n`);
    return 1;
  };
  let view;
  try {
    view = readViewFile(args.view);
  } catch (e) {
    return fail((e as Error).message);
  }
  const out = await runController(io.runtime, args.plugin, view);
  if (args.json) {
    io.stdout(`${JSON.stringify(out.ok ? { ok: true } : { ok: false, error: out.error.toJSON() }, null, 2)}\n`);
  } else if (out.ok) {
    io.stdout(`controller "${args.plugin}" reconciled node ${view.local.name} to the view of ${args.view} (${view.peers.length} peers)\n`);
  }
  if (!out.ok) {
    io.stderr(`${HOST_BINARY_NAME} reconcile: controller "${args.plugin}" failed (CNI error ${out.error.code}), nothing it did is left: ${out.error.message}\n`);
    return 1;
  }
  return 0;
}
