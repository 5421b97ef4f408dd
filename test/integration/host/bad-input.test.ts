// Bad input through the host binary, exec'd as a runtime execs it: every malformed env or
// stdin ends as a CNI error JSON with the right code, exit code 1, and changes nothing — no
// link, address or route in either namespace, no IPAM state.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cniExec, type CniInvocation } from "../../../tools/cni-exec";
import { HOST_BIN } from "../../helpers/fixtures";
import { createNetns, type TestNetns } from "../../helpers/netns";
import { buildPluginUnderTest } from "../../helpers/plugin-under-test";

let pluginDir: string;
let binary: string;
let host: TestNetns;
let container: TestNetns;
let dataDir: string;

beforeAll(async () => {
  pluginDir = await buildPluginUnderTest("bridge");
  await buildPluginUnderTest("host-local");
  binary = join(mkdtempSync(join(tmpdir(), "wasm-cni-bin-")), "bridge");
  symlinkSync(HOST_BIN, binary);
  host = createNetns("host");
  container = createNetns("ctr");
  dataDir = mkdtempSync(join(tmpdir(), "wasm-cni-bad-"));
}, 180_000);

afterAll(() => {
  host?.remove();
  container?.remove();
});

const GOOD = () => ({
  cniVersion: "1.1.0",
  name: "badnet",
  type: "bridge",
  bridge: "bad0",
  isGateway: true,
  ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.77.0.0/24" }]] },
});

/** Everything a bad call could have changed (less what the kernel changes by itself: DAD state). */
function snapshot(): string {
  const dump = (ns: TestNetns) =>
    ["link", "addr", "route", "-6 route"]
      .map((o) => execFileSync("ip", ["-n", ns.name, ...o.split(" "), "show"], { encoding: "utf8" }))
      .join("\n")
      .replace(/ tentative| dadfailed/g, "");
  const state = existsSync(join(dataDir, "badnet")) ? readdirSync(join(dataDir, "badnet")).filter((f) => f !== "lock") : [];
  return `${dump(host)}\n${dump(container)}\n${state.join(",")}`;
}

function run(over: Partial<CniInvocation> & { unset?: string[] }) {
  const inv: CniInvocation = {
    binary, command: "ADD", containerId: "ctr1", netns: container.path, ifname: "eth0", config: GOOD(),
    inNetns: host.name, env: { WASM_CNI_PLUGIN_DIR: pluginDir }, ...over,
  };
  for (const k of over.unset ?? []) (inv as unknown as Record<string, unknown>)[k] = undefined;
  return cniExec(inv);
}

const cases: [string, Partial<CniInvocation> & { unset?: string[] }, number, RegExp][] = [
  ["ADD without CNI_CONTAINERID", { unset: ["containerId"] }, 4, /CNI_CONTAINERID/],
  ["ADD with an invalid container id", { containerId: "../etc" }, 4, /CNI_CONTAINERID/],
  ["ADD without CNI_NETNS", { unset: ["netns"] }, 4, /CNI_NETNS/],
  ["ADD without CNI_IFNAME", { unset: ["ifname"] }, 4, /CNI_IFNAME/],
  ["ADD with a 16-byte CNI_IFNAME", { ifname: "a234567890123456" }, 4, /CNI_IFNAME/],
  ["ADD with CNI_IFNAME containing a slash", { ifname: "eth/0" }, 4, /CNI_IFNAME/],
  ["ADD with malformed CNI_ARGS", { args: "IgnoreUnknown" }, 4, /CNI_ARGS/],
  ["an unknown CNI_COMMAND", { command: "FROB" as CniInvocation["command"] }, 4, /CNI_COMMAND/],
  ["ADD with empty stdin", { config: "" }, 6, /config/],
  ["ADD with stdin that is not JSON", { config: "{not json" }, 6, /not valid JSON/],
  ["ADD with a JSON array on stdin", { config: "[1,2]" }, 6, /must be a JSON object/],
  ["ADD with stdin over 1 MiB", { config: JSON.stringify({ ...GOOD(), pad: "x".repeat(1 << 20) }) }, 6, /larger than/],
  ["ADD without name", { config: { ...GOOD(), name: undefined } }, 7, /field "name" is required/],
  ["ADD with a bad network name", { config: { ...GOOD(), name: "bad name" } }, 7, /field "name" has invalid characters/],
  ["ADD with an unsupported cniVersion", { config: { ...GOOD(), cniVersion: "9.9.9" } }, 1, /incompatible CNI versions/],
  ["ADD with mtu of the wrong type", { config: { ...GOOD(), mtu: "abc" } }, 7, /mtu/],
  ["ADD with a subnet that is not a CIDR", { config: { ...GOOD(), ipam: { type: "host-local", dataDir: "/tmp", ranges: [[{ subnet: "10.77.0.0/99" }]] } } }, 7, /subnet/],
  ["ADD with a netns that does not exist", { netns: "/run/netns/does-not-exist" }, 999, /does-not-exist|netns/],
];

const table = cases.map(([title, over, code, msg]) => ({ title, over, code, msg }));

describe("bad input to the host binary", () => {
  it.each(table)("$title fails with code $code and changes nothing", ({ over, code, msg }) => {
    const before = snapshot();
    const r = run(over);
    expect(r.code).toBe(1);
    const json = r.json as { code?: number; msg?: string; details?: string };
    expect(json.code, r.stdout).toBe(code);
    expect(`${json.msg} ${json.details ?? ""}`).toMatch(msg);
    expect(r.stdout).not.toMatch(/\n\s+at /);
    expect(snapshot()).toBe(before);
  });

  it("a good call after all that succeeds (the harness itself is sound)", () => {
    const r = run({});
    expect(r.code, r.stdout).toBe(0);
    expect(snapshot()).toContain("bad0");
    expect(run({ command: "DEL" }).code).toBe(0);
  });
});
