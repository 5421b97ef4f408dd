/**
 * The CNI_* environment as a table, after skel's getCmdArgsFromEnv: each variable names the
 * commands that require it, the commands that read it, and a validator. Missing or invalid
 * values fail with code 4 naming the variable, before stdin is read.
 */
import { CniError, CniErrorCode } from "../cni/errors";
import { CNI_NAME } from "../cni/netconf";
import { cniArgsProblem, kubernetesPod, parseCniArgs, type KubernetesPod } from "./cni-args";

export const CNI_COMMANDS = ["ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC"] as const;
export type CniCommand = (typeof CNI_COMMANDS)[number];

type Env = Record<string, string | undefined>;

interface EnvVar {
  name: string;
  /** Commands that fail when the variable is unset or empty. */
  requiredFor: readonly CniCommand[];
  /** Commands that read it (a superset of requiredFor); others ignore it, unvalidated. */
  usedBy: readonly CniCommand[];
  /** Returns what is wrong with a value, or undefined when it is fine. */
  validate?: (value: string) => string | undefined;
}

const ATTACHMENT_VERBS = ["ADD", "DEL", "CHECK"] as const;

/**
 * CNI_PATH: skel requires it for GC and STATUS too; SPEC.md makes it optional for STATUS,
 * which needs no delegation to answer, so we follow the spec there.
 */
export const ENV_VARS: readonly EnvVar[] = [
  { name: "CNI_CONTAINERID", requiredFor: ATTACHMENT_VERBS, usedBy: ATTACHMENT_VERBS, validate: containerIdProblem },
  { name: "CNI_NETNS", requiredFor: ["ADD", "CHECK"], usedBy: ATTACHMENT_VERBS },
  { name: "CNI_IFNAME", requiredFor: ATTACHMENT_VERBS, usedBy: ATTACHMENT_VERBS, validate: ifnameProblem },
  { name: "CNI_ARGS", requiredFor: [], usedBy: ATTACHMENT_VERBS, validate: cniArgsProblem },
  { name: "CNI_PATH", requiredFor: [...ATTACHMENT_VERBS, "GC"], usedBy: [...ATTACHMENT_VERBS, "GC", "STATUS"] },
];

/** What the environment says about one call. */
export interface CniEnv {
  command: Exclude<CniCommand, "VERSION">;
  containerId: string;
  netns?: string;
  ifname: string;
  args: [string, string][];
  /** From CNI_ARGS' K8S_POD_* keys, when present (they stay in `args` too). */
  pod?: KubernetesPod;
  path: string[];
}

export function containerIdProblem(id: string): string | undefined {
  if (!CNI_NAME.test(id)) return 'has invalid characters (letters, digits, "_", "." and "-", starting with a letter or digit)';
  return undefined;
}

/** The kernel's dev_valid_name(), as libcni's ValidateInterfaceName checks it. */
export function ifnameProblem(name: string): string | undefined {
  if (Buffer.byteLength(name, "utf8") > 15) return "is longer than 15 bytes";
  if (name === "." || name === "..") return 'must not be "." or ".."';
  if (/[/:\s]/u.test(name)) return 'must not contain "/", ":" or whitespace';
  return undefined;
}

/** CNI_COMMAND → a known command, or code 4 (`unknown CNI_COMMAND: FOO`, as skel says). */
export function parseCommand(value: string | undefined): CniCommand {
  if (!value) throw new CniError(CniErrorCode.INVALID_ENV, "required env variables [CNI_COMMAND] missing");
  const command = CNI_COMMANDS.find((c) => c === value);
  if (command === undefined) throw new CniError(CniErrorCode.INVALID_ENV, `unknown CNI_COMMAND: ${value}`);
  return command;
}

/** Checks every variable for `command` and returns them parsed; VERSION needs none. */
export function parseEnv(command: CniEnv["command"], env: Env): CniEnv {
  const missing: string[] = [];
  const used = new Map<string, string>();
  for (const v of ENV_VARS) {
    const value = env[v.name];
    if (!value) {
      if (v.requiredFor.includes(command)) missing.push(v.name);
      continue;
    }
    if (!v.usedBy.includes(command)) continue;
    const problem = v.validate?.(value);
    if (problem !== undefined) {
      throw new CniError(CniErrorCode.INVALID_ENV, `${v.name} ${problem}`, `${v.name}=${JSON.stringify(value)}`);
    }
    used.set(v.name, value);
  }
  if (missing.length > 0) {
    throw new CniError(CniErrorCode.INVALID_ENV, `required env variables [${missing.join(",")}] missing for ${command}`);
  }
  const netns = used.get("CNI_NETNS");
  const args = parseCniArgs(used.get("CNI_ARGS") ?? "");
  const pod = kubernetesPod(args);
  return {
    command,
    containerId: used.get("CNI_CONTAINERID") ?? "",
    ...(netns === undefined ? {} : { netns }),
    ifname: used.get("CNI_IFNAME") ?? "",
    args,
    ...(pod === undefined ? {} : { pod }),
    path: (used.get("CNI_PATH") ?? "").split(":").filter((p) => p !== ""),
  };
}
