/**
 * Malformed CNI calls for fuzz.test.ts, each with the error codes it may end in. Everything is
 * drawn from one seeded PRNG (test/unit/cli/fuzz-inputs.ts), so a seed and an index name a case.
 *
 * Every value put into a config here is bad for the field it lands in (a kind the field does
 * not take, an address that does not parse, a range that cannot be): a case that succeeds is a
 * plugin accepting bad input, not noise.
 */
import { INVALID_UTF8, int, pick, randomJson, seededRandom, withValueAt, type Rand } from "../unit/cli/fuzz-inputs";

export type Env = Record<string, string | undefined>;

/** Which promise a case tests, and the codes that keep it (SPEC.md's table). */
export const CODE_CLASS = {
  /** CNI_* variables: 4. A bad IP= in CNI_ARGS is the IPAM plugin's to find: 4 as well. */
  env: [4],
  /** stdin that is no JSON object (truncated, not UTF-8, too deep, too large): 6. */
  decode: [6],
  /** A version string we do not speak: 1. */
  version: [1],
  /** A decodable config with a bad field, in the host's schema or a plugin's: 7. */
  config: [7],
  /**
   * CNI_NETNS that is no network namespace. The Go plugins report it as a plain error (999,
   * skel's wrapping), and so do we; 8 (skel's invalid netns) would be as right.
   */
  netns: [8, 999],
} as const satisfies Record<string, readonly number[]>;
export type CodeClass = keyof typeof CODE_CLASS;

export interface FuzzCase {
  what: string;
  /** The name the binary is exec'd under: the plugin it runs. */
  plugin: "bridge" | "host-local";
  env: Env;
  stdin: Buffer;
  class: CodeClass;
}

/** Paths and values the test knows about the place it runs in. */
export interface FuzzTarget {
  containerNetns: string;
  dataDir: string;
  cniPath: string;
}

type Path = (string | number)[];
type Json = Record<string, unknown>;

const VERBS_WITH_CONFIG = ["ADD", "ADD", "ADD", "DEL", "CHECK"] as const;

export function baseEnv(t: FuzzTarget, command = "ADD"): Env {
  return { CNI_COMMAND: command, CNI_CONTAINERID: "fuzz-ctr", CNI_NETNS: t.containerNetns, CNI_IFNAME: "eth0", CNI_PATH: t.cniPath };
}

/** A good bridge + host-local config: every field below is one the fuzzer breaks. */
export function baseConfig(t: FuzzTarget): Json {
  return {
    cniVersion: "1.1.0",
    cniVersions: ["1.0.0", "1.1.0"],
    name: "fuzznet",
    type: "bridge",
    bridge: "fz0",
    isGateway: true,
    ipMasq: false,
    mtu: 1400,
    hairpinMode: false,
    dns: { nameservers: ["10.66.0.1"] },
    capabilities: { ips: true },
    ipam: {
      type: "host-local",
      dataDir: t.dataDir,
      ranges: [[{ subnet: "10.66.0.0/24", rangeStart: "10.66.0.10", rangeEnd: "10.66.0.20", gateway: "10.66.0.1" }]],
      routes: [{ dst: "0.0.0.0/0" }],
    },
  };
}

/** Strings that are no CIDR in any parser we mimic (Go's net.ParseCIDR and the SDK's). */
export const BAD_CIDRS = [
  "", " ", "10.66.0.0", "10.66.0.0/", "10.66.0.0/33", "10.66.0.0/-1", "10.66.0.0/+8", "300.66.0.0/24",
  "10.66.0/24", "10.66.0.0.0/24", "10.66.0.0/24/24", "fd00::/129", "fd00:::/64", "gggg::/64",
  "10.66.0.0/24 ", " 10.66.0.0/24", "x", "10.66.0.0/2a", "10.66.0.0/ 24", "10.66.0.0\u0000/24",
  "١٠.66.0.0/24", "１０.66.0.0/24", "10.66.0.0/4294967320", "/24", "10.66.0.0//24", "10.66.0.0/24\n",
];

/** Strings that are no IP address. */
export const BAD_IPS = [
  "", " ", "10.66.0", "10.66.0.256", "10.66.0.1.1", "-1.66.0.1", "10.66.0.x", "::g", "fd00:::1", "1:2:3:4:5:6:7:8:9",
  "10.66.0.1 ", "10.66.0.1\u0000", "１0.66.0.1", "0x0a.66.0.1", "10.66.0.1%eth0",
];

/** Values of each JSON kind, to put where another kind belongs (null means "absent" to Go, so it is left out). */
const KINDS: Record<string, unknown[]> = {
  boolean: [true, false],
  number: [0, -1, 1.5, 4294967296],
  string: ["", "x", "10.66.0.2/24"],
  array: [[], ["x"], [1]],
  object: [{}, { a: 1 }],
};
function otherKinds(...accepted: string[]): unknown[] {
  return Object.entries(KINDS).flatMap(([kind, values]) => (accepted.includes(kind) ? [] : values));
}

interface Mutation {
  path: Path;
  value: unknown;
  class: CodeClass;
  /** Only the bridge reads it (host-local alone would ignore it and succeed). */
  bridgeOnly?: boolean;
}

const RANGE: Path = ["ipam", "ranges", 0, 0];

/** Every single change to the base config that must fail, with the class of its failure. */
export function mutations(): Mutation[] {
  const m: Mutation[] = [];
  const add = (path: Path, values: unknown[], cls: CodeClass, bridgeOnly = false) => {
    for (const value of values) m.push({ path, value, class: cls, ...(bridgeOnly && { bridgeOnly }) });
  };
  // The host's schema (host/cni/netconf.ts).
  add(["cniVersion"], [null, ...otherKinds("string")], "config");
  add(["cniVersion"], ["", "1.1", "1.1.0.0", "v1.1.0", "1.1.0 ", "01.1.0", "2.0.0", "0.0.1", "1.1.1", "1.1.0-rc1", "９.0.0"], "version");
  add(["cniVersions"], [null, ...otherKinds("array")], "config");
  add(["cniVersions", 0], [null, ...otherKinds("string")], "config");
  add(["name"], [null, "", "-net", "net work", "net/../x", "nét", "net\n", ...otherKinds("string")], "config");
  add(["type"], [null, "", ...otherKinds("string")], "config");
  add(["ipMasq"], [null, ...otherKinds("boolean")], "config");
  add(["ipam"], [null, ...otherKinds("object")], "config");
  add(["ipam", "type"], [null, ...otherKinds("string")], "config");
  add(["dns"], [null, ...otherKinds("object")], "config");
  add(["dns", "nameservers"], [null, ...otherKinds("array")], "config");
  add(["args"], [null, ...otherKinds("object")], "config");
  add(["runtimeConfig"], [null, ...otherKinds("object")], "config");
  add(["capabilities"], [null, ...otherKinds("object")], "config");
  add(["capabilities", "ips"], [null, ...otherKinds("boolean")], "config");
  add(["prevResult"], [null, ...otherKinds("object")], "config");
  add(["prevResult"], [{ cniVersion: "1.1.0", ips: [{ address: "10.66.0.500/24" }] }, { cniVersion: "1.1.0", interfaces: "eth0" }], "config");
  add(["cni.dev/valid-attachments"], [null, ...otherKinds("array")], "config");
  // The bridge plugin's own keys (guest-plugins/bridge/config.ts).
  add(["bridge"], ["", "a234567890123456", "x".repeat(300), ...otherKinds("string")], "config", true);
  for (const key of ["isGateway", "isDefaultGateway", "forceAddress", "hairpinMode", "promiscMode", "enabledad"]) {
    add([key], otherKinds("boolean"), "config", true);
  }
  add(["mtu"], [-1, 1.5, 4294967296, "1400", true, [], {}], "config", true);
  add(["vlan"], [-1, 1.5, "1", 4095], "config", true); // 5 with isGateway is a valid config now (the <bridge>.<vlan> gateway)
  add(["hairpinMode"], [true], "config", true); // with promiscMode below: the pair is refused
  add(["args"], [{ cni: { mac: "zz:zz:zz:zz:zz:zz" } }, { cni: { mac: 5 } }], "config", true);
  add(["runtimeConfig"], [{ mac: "02:42:0a" }], "config", true);
  // host-local's keys (guest-plugins/host-local/config.ts, the SDK's ranges and routes).
  add(["ipam", "dataDir"], ["relative/dir", "/a/../b", "/a//b", "/a/", "/a/./b", 5, true, [], {}], "config");
  add(["ipam", "ranges"], [[], "10.66.0.0/24", 5, {}, [[]], [{}], [["10.66.0.0/24"]]], "config");
  add(["ipam", "ranges", 0], [[], "x", {}, [1]], "config");
  add(RANGE, ["10.66.0.0/24", 1, [], {}], "config");
  add([...RANGE, "subnet"], [...BAD_CIDRS, 5, true, [], {}], "config");
  add([...RANGE, "subnet"], ["10.66.0.0/32", "10.66.0.0/31"], "config"); // nothing to allocate
  for (const key of ["rangeStart", "rangeEnd", "gateway"]) add([...RANGE, key], [...BAD_IPS, 5, true, [], {}], "config");
  add([...RANGE, "rangeStart"], ["10.67.0.10", "10.66.0.30", "fd00::10"], "config"); // outside, after the end, other family
  add([...RANGE, "rangeEnd"], ["10.66.0.5", "10.67.0.1"], "config");
  add([...RANGE, "gateway"], ["fd00::1"], "config");
  add(["ipam", "ranges", 1], [[{ subnet: "10.66.0.0/25" }], [{ subnet: "10.66.0.0/24" }, { subnet: "fd00::/64" }]], "config");
  add(["ipam", "ranges", 0, 1], [{ subnet: "10.66.0.0/25" }, { subnet: "fd00::/64" }], "config"); // overlapping .10-.20, mixed families
  add(["ipam", "subnet"], BAD_CIDRS, "config");
  add(["ipam", "routes"], ["0.0.0.0/0", 5, {}, [5], ["0.0.0.0/0"]], "config");
  add(["ipam", "routes", 0, "dst"], [...BAD_CIDRS, 5, true, [], {}], "config");
  add(["ipam", "routes", 0, "gw"], [...BAD_IPS, 5, [], {}], "config");
  add(["ipam", "routes", 0, "mtu"], [-1, 1.5, "1400", 4294967296], "config");
  add(["args"], [{ cni: { ips: ["10.66.0.300"] } }, { cni: { ips: [5] } }, { cni: { ips: "10.66.0.12" } }], "config");
  add(["runtimeConfig"], [{ ips: ["fd00:::1"] }, { ipRanges: [[{ subnet: "10.66.0.0/33" }]] }, { ipRanges: "x" }], "config");
  return m;
}

/**
 * Applies each mutation in turn, skipping one whose parent an earlier one replaced (setting a
 * key on a string is no config); returns the config and the mutations applied.
 */
function mutate(base: Json, list: Mutation[]): { doc: Json; applied: Mutation[] } {
  let doc: unknown = base;
  const applied: Mutation[] = [];
  for (const x of list) {
    if (!hasParent(doc, x.path)) continue;
    doc = withPromisc(withValueAt(doc, x.path, x.value) as Json, x);
    applied.push(x);
  }
  return { doc: doc as Json, applied };
}

function hasParent(doc: unknown, path: Path): boolean {
  let at: unknown = doc;
  for (const key of path.slice(0, -1)) {
    if (typeof at !== "object" || at === null) return false;
    at = (at as Record<string | number, unknown>)[key];
  }
  return typeof at === "object" && at !== null;
}

/**
 * The class a combination fails with: the host checks the version and its schema before any
 * plugin runs (a version error wins over a plugin's config error, a config error in the
 * host's schema over a version error when zod sees it first), so the set of all classes
 * involved is allowed.
 */
function classesOf(list: Mutation[]): CodeClass[] {
  return [...new Set(list.map((x) => x.class))];
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

export interface GeneratedCase extends Omit<FuzzCase, "class"> {
  classes: CodeClass[];
}

/** Thousands of malformed calls, deterministic for a seed. */
export function generateCases(seed: number, t: FuzzTarget): GeneratedCase[] {
  const rand = seededRandom(seed);
  const base = baseConfig(t);
  const all = mutations();
  const forIpam = all.filter((x) => !x.bridgeOnly);
  const cases: GeneratedCase[] = [];
  const verb = (): string => pick(rand, VERBS_WITH_CONFIG);
  const push = (c: Omit<GeneratedCase, "env"> & { env?: Env }) => cases.push({ env: baseEnv(t, verb()), ...c });

  // Every single mutation, through both plugins where both read it.
  for (const x of all) {
    for (const plugin of x.bridgeOnly ? (["bridge"] as const) : (["bridge", "host-local"] as const)) {
      push({ what: `${x.path.join(".")} = ${JSON.stringify(x.value)}`, plugin, stdin: json(mutate(base, [x]).doc), classes: [x.class] });
    }
  }
  // Random combinations of two or three.
  for (let i = 0; i < 1200; i++) {
    const plugin = pick(rand, ["bridge", "host-local"] as const);
    const pool = plugin === "bridge" ? all : forIpam;
    const { doc, applied } = mutate(base, Array.from({ length: 2 + int(rand, 2) }, () => pick(rand, pool)));
    push({ what: `combination ${applied.map((x) => `${x.path.join(".")}=${JSON.stringify(x.value)}`).join(", ")}`, plugin, stdin: json(doc), classes: classesOf(applied) });
  }
  // Random JSON values where the whole config belongs, and in place of ipam.
  for (let i = 0; i < 300; i++) {
    const value = randomJson(rand);
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
    // An object without "name" fails the schema (7); anything else is no config object (6).
    push({ what: `random JSON ${JSON.stringify(value)}`, plugin: pick(rand, ["bridge", "host-local"] as const), stdin: json(value), classes: isObject ? ["config"] : ["decode"] });
  }
  // The base config cut at every byte: never a whole JSON object.
  const text = json(base);
  for (let n = 0; n < text.length; n++) {
    push({ what: `config cut at byte ${n}`, plugin: n % 2 === 0 ? "bridge" : "host-local", stdin: text.subarray(0, n), classes: ["decode"] });
  }
  // Bytes that are no UTF-8, anywhere in a good config.
  for (let i = 0; i < 300; i++) {
    const at = int(rand, text.length + 1);
    const bad = Buffer.from(pick(rand, INVALID_UTF8));
    push({ what: `invalid UTF-8 ${bad.toString("hex")} at byte ${at}`, plugin: pick(rand, ["bridge", "host-local"] as const), stdin: Buffer.concat([text.subarray(0, at), bad, text.subarray(at)]), classes: ["decode"] });
  }
  // Nesting past the 128 levels any parser of ours takes, at a random place.
  for (let i = 0; i < 60; i++) {
    const depth = 129 + int(rand, i < 50 ? 1000 : 400_000);
    const place = pick(rand, [["x"], ["ipam", "x"], ["dns", "x"], [...RANGE, "x"], ["capabilities", "x"]] as Path[]);
    const marker = "\u0001nest\u0001";
    const doc = JSON.stringify(withValueAt(base, place, marker)).replace(JSON.stringify(marker), "[".repeat(depth) + "]".repeat(depth));
    push({ what: `${depth} levels of nesting at ${place.join(".")}`, plugin: pick(rand, ["bridge", "host-local"] as const), stdin: Buffer.from(doc), classes: ["decode"] });
  }
  // Huge strings where no long string is valid; over the stdin cap, any JSON at all.
  const hugeAt: [Path, CodeClass][] = [[["bridge"], "config"], [[...RANGE, "subnet"], "config"], [["ipam", "routes", 0, "dst"], "config"], [["ipam", "dataDir"], "config"], [["cniVersion"], "version"], [["name"], "config"]];
  for (let i = 0; i < 30; i++) {
    const [path, cls] = pick(rand, hugeAt);
    const size = 1000 + int(rand, 900_000);
    const value = path[0] === "ipam" && path[1] === "dataDir" ? `/${"d".repeat(size)}` : "1".repeat(size);
    push({ what: `a ${size}-byte string at ${path.join(".")}`, plugin: "bridge", stdin: json(withValueAt(base, path, value)), classes: [cls] });
  }
  for (let i = 0; i < 6; i++) {
    const size = (1 << 20) + 1 + int(rand, 1 << 20);
    const kind = i % 3;
    const stdin = kind === 0 ? Buffer.concat([text, Buffer.alloc(size - text.length, " ")]) : kind === 1 ? json({ ...base, pad: "p".repeat(size) }) : Buffer.from(Array.from({ length: size }, () => int(rand, 256)));
    push({ what: `${stdin.length} bytes on stdin (${["padded config", "config with a big field", "random bytes"][kind]})`, plugin: "bridge", stdin, classes: ["decode"] });
  }
  cases.push(...envCases(rand, t, text));
  return cases;
}

/** hairpinMode=true is fine alone; the generator pairs it with promiscMode, which is refused. */
function withPromisc(doc: Json, x: Mutation): Json {
  return x.path[0] === "hairpinMode" && x.value === true ? { ...doc, promiscMode: true } : doc;
}

/** Bad CNI_* environments with a good config. */
function envCases(rand: Rand, t: FuzzTarget, config: Buffer): GeneratedCase[] {
  const cases: GeneratedCase[] = [];
  const safe = () => (Math.floor(rand() * 1e6).toString(36) || "a");
  const bad: Record<string, () => string[]> = {
    CNI_CONTAINERID: () => [`-${safe()}`, `.${safe()}`, `${safe()}/${safe()}`, `${safe()} ${safe()}`, "../etc", `${safe()}é`, `${safe()}\n`, `${safe()}:`],
    CNI_IFNAME: () => ["x".repeat(16 + int(rand, 20)), ".", "..", `${safe()}/`, `e:${safe()}`, `e ${safe()}`, "e\t0", "eéééééééé"],
    CNI_ARGS: () => [safe(), `${safe()}=1;`, `=${safe()}`, "A=1=2", `IgnoreUnknown=${safe()}x`, ";", "K8S_POD_NAME"],
  };
  const required: Record<string, string[]> = {
    ADD: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"],
    DEL: ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"],
    CHECK: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"],
  };
  for (let i = 0; i < 600; i++) {
    const command = pick(rand, ["ADD", "ADD", "DEL", "CHECK"]);
    const env = baseEnv(t, command);
    const breakers: [string, string | undefined][] = [
      ...(required[command] ?? []).flatMap((name): [string, string | undefined][] => [[name, undefined], [name, ""]]),
      ...Object.entries(bad).flatMap(([name, values]) => values().map((v): [string, string] => [name, v])),
    ];
    let what: string;
    if (rand() < 0.12) {
      env["CNI_COMMAND"] = pick(rand, ["add", "Add", "ADD ", " ADD", "ADD\n", "DELETE", "VERSIONS", "CHECKS", "gc", `${safe()}X`, "ADD;DEL", "\u0000ADD"]);
      what = `CNI_COMMAND=${JSON.stringify(env["CNI_COMMAND"])}`;
    } else {
      const set: string[] = [];
      for (let n = 1 + int(rand, 3); n > 0; n--) {
        const [name, value] = pick(rand, breakers);
        env[name] = value;
        set.push(`${name}=${JSON.stringify(value)}`);
      }
      what = `${command} with ${set.join(", ")}`;
    }
    cases.push({ what, plugin: pick(rand, ["bridge", "host-local"] as const), env, stdin: config, classes: ["env"] });
  }
  // CNI_ARGS the host passes on and host-local refuses: an IP= that is no address.
  for (const ip of BAD_IPS.filter((s) => s !== "" && !s.includes(";") && !s.includes("=") && !s.includes("\u0000"))) {
    cases.push({ what: `CNI_ARGS IP=${JSON.stringify(ip)}`, plugin: pick(rand, ["bridge", "host-local"] as const), env: { ...baseEnv(t, "ADD"), CNI_ARGS: `IgnoreUnknown=1;IP=${ip}` }, stdin: config, classes: ["env"] });
  }
  // A netns path that is no network namespace (ADD needs one; the host must not create the bridge and leave it).
  for (const netns of ["/run/netns/does-not-exist", "/proc/self/ns/mnt", "/dev/null", "/", "relative/netns", t.dataDir]) {
    cases.push({ what: `CNI_NETNS=${netns}`, plugin: "bridge", env: { ...baseEnv(t, "ADD"), CNI_NETNS: netns }, stdin: config, classes: ["netns"] });
  }
  return cases;
}
