/**
 * What a node remembers across agent restarts, in `<stateDir>/node.json`: its subnets (taken
 * back on the next start while nobody else holds them) and its last lease (revoked by `--leave`).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import { writeFileAtomic } from "./write-file-atomic";

export interface NodeState {
  name: string;
  subnets: string[];
  lease: string;
}

const stateSchema = z.object({ name: z.string(), subnets: z.array(z.string()), lease: z.string() });

const stateFile = (stateDir: string): string => join(stateDir, "node.json");

/** The remembered state, or undefined when there is none (or it cannot be read: start afresh). */
export function readNodeState(stateDir: string): NodeState | undefined {
  try {
    const r = stateSchema.safeParse(JSON.parse(readFileSync(stateFile(stateDir), "utf8")));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeNodeState(stateDir: string, state: NodeState): void {
  writeFileAtomic(stateFile(stateDir), `${JSON.stringify(state)}\n`);
}

export function removeNodeState(stateDir: string): void {
  rmSync(stateFile(stateDir), { force: true });
}
