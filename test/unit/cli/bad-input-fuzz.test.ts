/**
 * Thousands of malformed configs and environments through runCli: each must end with an
 * error JSON on stdout (code and msg, no stack), a non-zero exit, a spec code for bad input
 * (never 999, which means a host bug) and a runner never called. Cases come from a seeded
 * PRNG: a failure prints its seed and case so it reproduces (FUZZ_SEED=<n> to explore).
 */
import { describe, expect, test } from "vitest";
import { MAX_STDIN_BYTES } from "../../../host/cli/stdin";
import { VALID_ENV, cli, envFor, type CliRun } from "./fake-cli";
import { SAMPLES, int, kindOf, pick, randomJson, randomString, seededRandom, withInvalidUtf8, withValueAt, type Kind } from "./fuzz-inputs";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20240611);
const VERBS = ["ADD", "DEL", "CHECK", "GC", "STATUS"] as const;
/** Bad input is the caller's fault: a version (1), environment (4), decoding (6) or config (7) error. */
const INPUT_CODES = [1, 4, 6, 7];

/** A config that uses every key the host checks, with non-ASCII text so byte cuts split characters. */
const RICH_CONFIG = {
  cniVersion: "1.1.0",
  cniVersions: ["1.0.0", "1.1.0"],
  name: "fuzz-net",
  type: "bridge",
  bridge: "cni0",
  description: "café 😀",
  ipMasq: true,
  ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }]] },
  dns: { nameservers: ["10.1.0.1"], domain: "cluster.local", search: ["svc"], options: ["ndots:5"] },
  args: { cni: { ips: ["10.1.0.9/24"] } },
  runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] },
  capabilities: { portMappings: true },
  prevResult: {
    cniVersion: "1.1.0",
    interfaces: [{ name: "eth0", sandbox: "/run/netns/test" }],
    ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1", interface: 0 }],
    routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }],
    dns: { nameservers: ["10.1.0.1"] },
  },
  "cni.dev/valid-attachments": [{ containerID: "c1", ifname: "eth0" }],
};

const PREV_020 = { cniVersion: "0.2.0", ip4: { ip: "10.1.0.2/24", gateway: "10.1.0.1", routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }] } };
const CONFIG_020 = { cniVersion: "0.2.0", name: "n", type: "bridge", prevResult: PREV_020 };

type Path = (string | number)[];
/** Every field the host validates, in RICH_CONFIG (or CONFIG_020), and the JSON kinds it accepts. */
const FIELDS: [object, Path, Kind[]][] = [
  [RICH_CONFIG, ["cniVersion"], ["string"]],
  [RICH_CONFIG, ["cniVersions"], ["array"]],
  [RICH_CONFIG, ["cniVersions", 0], ["string"]],
  [RICH_CONFIG, ["name"], []],
  [RICH_CONFIG, ["type"], []],
  [RICH_CONFIG, ["ipMasq"], ["boolean"]],
  [RICH_CONFIG, ["ipam"], ["object"]],
  [RICH_CONFIG, ["ipam", "type"], ["string"]],
  [RICH_CONFIG, ["dns"], ["object"]],
  ...(["nameservers", "search", "options"] as const).flatMap((k): [object, Path, Kind[]][] => [
    [RICH_CONFIG, ["dns", k], ["array"]],
    [RICH_CONFIG, ["dns", k, 0], ["string"]],
  ]),
  [RICH_CONFIG, ["dns", "domain"], ["string"]],
  [RICH_CONFIG, ["args"], ["object"]],
  [RICH_CONFIG, ["runtimeConfig"], ["object"]],
  [RICH_CONFIG, ["capabilities"], ["object"]],
  [RICH_CONFIG, ["capabilities", "portMappings"], ["boolean"]],
  [RICH_CONFIG, ["prevResult"], ["object"]],
  [RICH_CONFIG, ["prevResult", "cniVersion"], ["string"]],
  [RICH_CONFIG, ["prevResult", "interfaces"], ["array"]],
  [RICH_CONFIG, ["prevResult", "interfaces", 0], ["object"]],
  [RICH_CONFIG, ["prevResult", "interfaces", 0, "name"], ["string"]],
  [RICH_CONFIG, ["prevResult", "interfaces", 0, "sandbox"], ["string"]],
  [RICH_CONFIG, ["prevResult", "ips"], ["array"]],
  [RICH_CONFIG, ["prevResult", "ips", 0], ["object"]],
  [RICH_CONFIG, ["prevResult", "ips", 0, "address"], []],
  [RICH_CONFIG, ["prevResult", "ips", 0, "gateway"], []],
  [RICH_CONFIG, ["prevResult", "ips", 0, "interface"], []],
  [RICH_CONFIG, ["prevResult", "routes", 0, "dst"], []],
  [RICH_CONFIG, ["prevResult", "routes", 0, "gw"], []],
  [RICH_CONFIG, ["prevResult", "dns"], ["object"]],
  [RICH_CONFIG, ["cni.dev/valid-attachments"], ["array"]],
  [RICH_CONFIG, ["cni.dev/valid-attachments", 0], ["object"]],
  [RICH_CONFIG, ["cni.dev/valid-attachments", 0, "containerID"], ["string"]],
  [RICH_CONFIG, ["cni.dev/valid-attachments", 0, "ifname"], ["string"]],
  [CONFIG_020, ["prevResult", "ip4"], ["object"]],
  [CONFIG_020, ["prevResult", "ip4", "ip"], []],
  [CONFIG_020, ["prevResult", "ip4", "gateway"], []],
  [CONFIG_020, ["prevResult", "ip4", "routes"], ["array"]],
  [CONFIG_020, ["prevResult", "ip4", "routes", 0, "dst"], []],
];

/** Fields whose strings are checked too (name, type, addresses): any sample string but "x" is bad there. */
function isBadSample(accepted: Kind[], path: Path, value: unknown): boolean {
  if (accepted.length > 0) return !accepted.includes(kindOf(value));
  const last = path[path.length - 1];
  if (last === "name" || last === "type") return typeof value !== "string" || value === "";
  if (last === "interface") return !(typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 1);
  if (last === "dst" || last === "address" || last === "ip") return value !== "10.1.0.2/24";
  return typeof value !== "string" || value === "x" || value === "" || value === "10.1.0.2/24";
}

interface Case {
  what: string;
  env: Record<string, string | undefined>;
  stdin: Buffer;
}

const configCase = (rand: () => number, what: string, stdin: Buffer): Case => ({ what, env: envFor(pick(rand, VERBS)), stdin });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function configCases(rand: () => number): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 1500; i++) {
    const value = randomJson(rand);
    cases.push(configCase(rand, `random JSON ${JSON.stringify(value)}`, json(value)));
  }
  const text = json(RICH_CONFIG);
  for (let n = 0; n < text.length; n++) cases.push(configCase(rand, `config cut at byte ${n}`, text.subarray(0, n)));
  for (const [doc, path, accepted] of FIELDS) {
    for (const value of SAMPLES) {
      if (!isBadSample(accepted, path, value)) continue;
      cases.push(configCase(rand, `${path.join(".")} = ${JSON.stringify(value)}`, json(withValueAt(doc, path, value))));
    }
  }
  for (let i = 0; i < 500; i++) cases.push(configCase(rand, `invalid UTF-8 #${i}`, withInvalidUtf8(rand, text)));
  const pad = MAX_STDIN_BYTES + 1 - text.length;
  cases.push(configCase(rand, "valid config padded past the cap", Buffer.concat([text, Buffer.alloc(pad, " ")])));
  cases.push(configCase(rand, "huge string value", json({ ...RICH_CONFIG, bridge: "x".repeat(MAX_STDIN_BYTES) })));
  cases.push(configCase(rand, "huge random bytes", Buffer.from(Array.from({ length: MAX_STDIN_BYTES + 10 }, () => int(rand, 256)))));
  return cases;
}

/** Per variable: values that must fail for the verbs that read it. */
function badValues(rand: () => number, name: string): string[] {
  const safe = () => randomString(rand, 4).replace(/[^a-zA-Z0-9]/g, "") || "a";
  if (name === "CNI_CONTAINERID") return [`-${safe()}`, `${safe()}${pick(rand, ["/", " ", ":", "é", "\n"])}${safe()}`];
  if (name === "CNI_IFNAME") return ["x".repeat(16 + int(rand, 20)), ".", "..", `${safe()}${pick(rand, ["/", ":", " ", "\t"])}`];
  if (name === "CNI_ARGS") return [safe(), `${safe()}=1;`, `=${safe()}`, `A=1=2`, `IgnoreUnknown=${safe()}x`];
  return [];
}

const REQUIRED: Record<string, readonly string[]> = {
  ADD: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"],
  DEL: ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"],
  CHECK: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"],
  GC: ["CNI_PATH"],
  STATUS: [],
};
const VALIDATED: Record<string, readonly string[]> = {
  ADD: ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_ARGS"],
  DEL: ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_ARGS"],
  CHECK: ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_ARGS"],
  GC: [],
  STATUS: [],
};

function envCases(rand: () => number): Case[] {
  const cases: Case[] = [];
  const stdin = json({ cniVersion: "1.1.0", name: "n", type: "bridge" });
  for (let i = 0; i < 1500; i++) {
    const verb = pick(rand, VERBS);
    const breakers: [string, string | undefined][] = [
      ...(REQUIRED[verb] ?? []).flatMap((name): [string, string | undefined][] => [[name, undefined], [name, ""]]),
      ...(VALIDATED[verb] ?? []).flatMap((name) => badValues(rand, name).map((v): [string, string] => [name, v])),
    ];
    const env = envFor(verb);
    if (breakers.length === 0 || rand() < 0.1) env["CNI_COMMAND"] = pick(rand, ["add", "Add", "VERSIONS", " ADD", "ADD\n", randomString(rand, 6) + "X"]);
    else {
      for (let n = 1 + int(rand, 3); n > 0; n--) {
        const [name, value] = pick(rand, breakers);
        env[name] = value;
      }
      // Noise that alone is harmless: variables the verb does not read, set to junk.
      for (const name of Object.keys(VALID_ENV)) {
        if (name !== "CNI_COMMAND" && !(REQUIRED[verb] ?? []).includes(name) && rand() < 0.2) env[name] = randomString(rand, 5);
      }
    }
    cases.push({ what: `${verb} env ${JSON.stringify(env)}`, env, stdin });
  }
  return cases;
}

/** The first way a run breaks the contract for bad input, or undefined when it keeps it. */
function problemWith(r: CliRun): string | undefined {
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    return "stdout is not JSON";
  }
  if (r.code === 0) return "exit code 0";
  if (typeof out["msg"] !== "string" || out["msg"] === "" || typeof out["cniVersion"] !== "string") return "no msg or cniVersion";
  if (!INPUT_CODES.includes(out["code"] as number)) return `code ${String(out["code"])}`;
  if (/\n\s+at /.test(r.stdout)) return "stack trace on stdout";
  if (r.calls.length > 0) return "the runner was called";
  return undefined;
}

async function failuresOf(cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  for (const [i, c] of cases.entries()) {
    const r = await cli({ env: c.env, stdin: c.stdin });
    const why = problemWith(r);
    if (why !== undefined) failures.push(`seed ${SEED} case ${i} (${c.what.slice(0, 200)}): ${why}; stdout ${r.stdout.slice(0, 200)}`);
  }
  return failures;
}

describe(`bad input (seed ${SEED})`, () => {
  test("malformed configs (random JSON, every truncation, wrong types, invalid UTF-8, oversized) all fail before the plugin", async () => {
    const cases = configCases(seededRandom(SEED));
    expect(cases.length).toBeGreaterThan(2500);
    expect((await failuresOf(cases)).slice(0, 5)).toEqual([]);
  });

  test("missing, empty or invalid CNI_* variables for each verb all fail before the plugin", async () => {
    const cases = envCases(seededRandom(SEED + 1));
    expect(new Set(cases.map((c) => c.env["CNI_COMMAND"])).size).toBeGreaterThan(5);
    expect((await failuresOf(cases)).slice(0, 5)).toEqual([]);
  });
});
