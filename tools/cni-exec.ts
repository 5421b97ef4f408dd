import { spawnSync } from "node:child_process";

/** One CNI call, as a runtime (libcni's invoke package) makes it. */
export interface CniInvocation {
  /** The plugin binary to exec: a path in a plugin directory (e.g. dist/cni-bin/bridge). */
  binary: string;
  command: "ADD" | "DEL" | "CHECK" | "VERSION" | "STATUS" | "GC";
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  /** CNI_PATH; defaults to the binary's directory. */
  path?: string;
  config: unknown;
  /** Run the binary inside this named netns (`ip netns exec`): the "host" of the call. */
  inNetns?: string;
  /** Extra environment (e.g. WASM_CNI_PLUGIN_DIR). */
  env?: Record<string, string>;
  /** Kill the binary after this long (code -1); default 60 s. */
  timeoutMs?: number;
}

export interface CniOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
  ms: number;
}

/** Execs a CNI plugin binary with the CNI environment and the config on stdin. */
export function cniExec(inv: CniInvocation): CniOutcome {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: inv.command,
    CNI_PATH: inv.path ?? inv.binary.replace(/\/[^/]*$/, ""),
    ...(inv.containerId !== undefined && { CNI_CONTAINERID: inv.containerId }),
    ...(inv.netns !== undefined && { CNI_NETNS: inv.netns }),
    ...(inv.ifname !== undefined && { CNI_IFNAME: inv.ifname }),
    ...(inv.args !== undefined && { CNI_ARGS: inv.args }),
    ...inv.env,
  };
  const [file, argv] = inv.inNetns ? ["ip", ["netns", "exec", inv.inNetns, inv.binary]] : [inv.binary, []];
  const input = typeof inv.config === "string" ? inv.config : JSON.stringify(inv.config);
  const t0 = performance.now();
  const r = spawnSync(file, argv, { input, env, encoding: "utf8", timeout: inv.timeoutMs ?? 60_000 });
  const ms = performance.now() - t0;
  let json: unknown;
  try {
    json = r.stdout ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", json, ms };
}
