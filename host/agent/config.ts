/**
 * The agent's config file (`wasm-cni agent --config <file>`, issue 14's contract), checked with
 * zod; every error names the field: `agent config /etc/wasm-cni/agent.json: field "leaseTtl"
 * must be an integer`.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import * as z from "zod/mini";
import { cniName } from "../cni/netconf";
import { describeZodError } from "../cni/zod-issue";
import { NODE_NAME } from "../cluster/keys";
import { subnetPoolProblem } from "../cluster/subnets";
import { tryParseIp } from "../kernel/rtnl/inet";

/** A config that cannot be used; the CLI prints it and exits 1. */
export class AgentConfigError extends Error {
  override readonly name = "AgentConfigError";
  readonly code = "AGENT_CONFIG";
}

export const NETWORKS = ["overlay", "routed"] as const;
export type NetworkKind = (typeof NETWORKS)[number];

const absolutePath = z.string().check(z.regex(/^\/.*[^/]$|^\/$/, "must be an absolute path"));
const endpoint = z.string().check(z.refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}, 'must be an http(s) URL such as "http://10.0.0.254:2379"'));

const schema = z.strictObject({
  nodeName: z.optional(z.string().check(z.regex(NODE_NAME, 'must be a node name (letters, digits, "_", "." and "-", starting with a letter or digit)'))),
  etcd: z.strictObject({
    endpoints: z.array(endpoint).check(z.minLength(1, "must list at least one endpoint")),
    prefix: z._default(z.string().check(z.regex(/^\/[^\0]*[^/]$/, 'must start with "/" and not end with "/", such as "/wasm-cni"')), "/wasm-cni"),
    /** Time limit of one request, ms. */
    timeoutMs: z._default(z.int().check(z.minimum(100), z.maximum(60_000)), 5_000),
  }),
  network: z.enum(NETWORKS),
  clusterCidr: z.string(),
  clusterCidr6: z.optional(z.string()),
  subnetLength: z._default(z.int(), 24),
  subnetLength6: z._default(z.int(), 80),
  underlay: z.strictObject({
    link: z.string().check(z.regex(/^[^\s/]{1,15}$/, "must be a link name (1-15 characters, no spaces or /)")),
    address: z.optional(z.string().check(z.refine((s) => tryParseIp(s) !== undefined, "must be an IP address"))),
  }),
  leaseTtl: z._default(z.int().check(z.minimum(1), z.maximum(3600)), 10),
  conflist: z.strictObject({
    path: absolutePath,
    name: cniName(),
    dataDir: z.optional(absolutePath),
  }),
  controller: z._default(z.strictObject({
    plugin: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]*$/, "must be a plugin name"))),
    options: z._default(z.record(z.string(), z.unknown()), {}),
  }), { options: {} }),
  stateDir: z._default(absolutePath, "/run/wasm-cni/agent"),
  /** Full re-read of the nodes every this many seconds, besides the watch. */
  resyncSeconds: z._default(z.int().check(z.minimum(1), z.maximum(86_400)), 60),
});

/** The config with its defaults filled in. */
export type AgentConfig = Omit<z.infer<typeof schema>, "nodeName" | "controller"> & {
  nodeName: string;
  controller: { plugin: string; options: Record<string, unknown> };
};

/** Checks a parsed config; `source` names it in errors. */
export function parseAgentConfig(json: unknown, source: string): AgentConfig {
  const what = `agent config ${source}`;
  const r = schema.safeParse(json);
  if (!r.success) throw new AgentConfigError(describeZodError(what, r.error));
  const c = r.data;
  const field = (name: string, problem: string): AgentConfigError => new AgentConfigError(`${what}: field "${name}" ${problem}`);
  if (c.clusterCidr.includes(":")) throw field("clusterCidr", `must be an IPv4 CIDR (got ${c.clusterCidr}; IPv6 goes in clusterCidr6)`);
  const v4 = subnetPoolProblem(c.clusterCidr, c.subnetLength);
  if (v4 !== undefined) throw field("clusterCidr", `with subnetLength: ${v4}`);
  if (c.clusterCidr6 !== undefined) {
    if (!c.clusterCidr6.includes(":")) throw field("clusterCidr6", `must be an IPv6 CIDR (got ${c.clusterCidr6})`);
    const v6 = subnetPoolProblem(c.clusterCidr6, c.subnetLength6);
    if (v6 !== undefined) throw field("clusterCidr6", `with subnetLength6: ${v6}`);
  }
  const nodeName = c.nodeName ?? hostname();
  if (!NODE_NAME.test(nodeName)) throw field("nodeName", `is not set and the host name ${JSON.stringify(nodeName)} is no node name: set it`);
  return { ...c, nodeName, controller: { plugin: c.controller.plugin ?? `${c.network}-controller`, options: c.controller.options } };
}

/** Reads and checks the config file. */
export function readAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new AgentConfigError(`agent config ${path}: cannot read it: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AgentConfigError(`agent config ${path}: not valid JSON: ${(e as Error).message}`);
  }
  return parseAgentConfig(json, path);
}
