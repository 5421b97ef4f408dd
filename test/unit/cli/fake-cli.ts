/**
 * runCli in process: an injected env, stdin and argv0, captured stdout/stderr, and a fake
 * runner that records its calls (so a test can assert it was never reached).
 */
import { runCli } from "../../../host/cli/dispatch";
import type { CniCall, PluginRunner } from "../../../host/cli/plugin-runner";

export const VALID_ENV = {
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "ctr-1",
  CNI_NETNS: "/run/netns/test",
  CNI_IFNAME: "eth0",
  CNI_PATH: "/opt/cni/bin:/usr/lib/cni",
} as const;

export const VALID_CONFIG = { cniVersion: "1.1.0", name: "testnet", type: "bridge" } as const;

export const VALID_RESULT = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "eth0", mac: "02:42:0a:01:00:02", mtu: 1500, sandbox: "/run/netns/test" }],
  ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1", interface: 0 }],
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1", table: 100, mtu: 1400 }],
  dns: { nameservers: ["10.1.0.1"] },
};

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  calls: CniCall[];
  /** stdout parsed as JSON (fails the test when it is not). */
  json: () => Record<string, unknown>;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** An object is JSON-encoded; a string or Buffer goes in as is. */
  stdin?: unknown;
  argv0?: string;
  /** What the fake runner does. Defaults to returning VALID_RESULT. */
  run?: (call: CniCall) => Promise<unknown>;
}

export async function cli(opts: CliOptions = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const calls: CniCall[] = [];
  const stdin = opts.stdin === undefined ? VALID_CONFIG : opts.stdin;
  const runner: PluginRunner = {
    run: async (call) => {
      calls.push(call);
      return opts.run ? opts.run(call) : VALID_RESULT;
    },
  };
  const code = await runCli(
    {
      argv0: opts.argv0 ?? "/opt/cni/bin/wasm-cni",
      env: opts.env ?? { ...VALID_ENV },
      stdin: () =>
        Buffer.isBuffer(stdin) ? stdin : Buffer.from(typeof stdin === "string" ? stdin : JSON.stringify(stdin)),
      stdout: (s) => void out.push(s),
      stderr: (s) => void err.push(s),
    },
    runner,
  );
  const stdout = out.join("");
  return { code, stdout, stderr: err.join(""), calls, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

/** The env for `command` with `drop` unset and `set` overriding. */
export function envFor(
  command: string,
  set: Record<string, string | undefined> = {},
  drop: string[] = [],
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...VALID_ENV, CNI_COMMAND: command, ...set };
  for (const name of drop) delete env[name];
  return env;
}

/** An error JSON's msg and details as CniError.message joins them: `msg; details`. */
export function wireMessage(json: Record<string, unknown>): string {
  const msg = String(json["msg"]);
  return json["details"] === undefined ? msg : `${msg}; ${String(json["details"])}`;
}
