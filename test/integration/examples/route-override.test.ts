// The worked example (examples/route-override), as a third party ships and an operator runs it:
// built with the SDK's kit alone (`wasm-cni-build`, the bin npm links), installed from its
// `.wasm` with `wasm-cni install`, granted with the pinned policy entry install prints, and run
// through bin/wasm-cni in a conflist after bridge (libcni's order, tools/conflist-runner.ts),
// in a test "host" netns with a test container netns. The container's routes are read back
// with `ip -j route`. Under the pin, a component file changed after install is refused.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { InstallReport } from "../../../host/cli/install";
import type { AuditLine } from "../../../host/runtime/audit";
import { ConflistError, createConflistRunner, parseConflist, type Attachment, type Conflist, type JsonObject } from "../../../tools/conflist-runner";
import { HOST_BIN } from "../../helpers/fixtures";
import { ipJson, netnsPerTest, type TestNetns } from "../../helpers/netns";
import { buildExample, buildPluginsUnderTest } from "../../helpers/plugin-under-test";

const NAME = "route-override";
const newNetns = netnsPerTest({ ipv6: false });
const tmp = (): string => mkdtempSync(join(tmpdir(), "wasm-cni-example-"));
let component: string, builtins: string;

beforeAll(async () => {
  component = buildExample(NAME);
  builtins = await buildPluginsUnderTest(["bridge", "host-local"]);
}, 120_000);

/** `wasm-cni install --json` of the example into a new plugin directory that also holds bridge and host-local. */
function install(): { dir: string; report: InstallReport } {
  const dir = tmp();
  for (const p of ["bridge", "host-local"]) {
    copyFileSync(join(builtins, `${p}.wasm`), join(dir, `${p}.wasm`));
    cpSync(join(builtins, p), join(dir, p), { recursive: true });
  }
  const out = execFileSync(HOST_BIN, ["install", component, "--plugin-dir", dir, "--json"], { encoding: "utf8" });
  return { dir, report: JSON.parse(out) as InstallReport };
}

/** A runtime's view: CNI_PATH with bridge and route-override linked to the host binary. */
function chain(dir: string, report: InstallReport, host: TestNetns) {
  const cniPath = tmp();
  for (const p of ["bridge", NAME]) symlinkSync(HOST_BIN, join(cniPath, p));
  const policy = join(tmp(), "policy.json");
  writeFileSync(policy, JSON.stringify({ plugins: report.policy }));
  const audit = join(tmp(), "audit.jsonl");
  const runner = createConflistRunner({
    path: [cniPath], cacheDir: join(tmp(), "cache"), inNetns: host.name,
    env: { WASM_CNI_PLUGIN_DIR: dir, WASM_CNI_POLICY: policy, WASM_CNI_AUDIT_LOG: audit, WASM_CNI_PRESTART_DIR: "off" },
  });
  const lastAudit = (): AuditLine => JSON.parse(readFileSync(audit, "utf8").trim().split("\n").pop() ?? "{}") as AuditLine;
  return { runner, lastAudit };
}

/** bridge (gateway 10.61.7.1, a default route and 10.200.0.0/16 from IPAM), then route-override with `override`. */
function conflist(override: JsonObject): Conflist {
  const dataDir = tmp();
  return parseConflist({
    cniVersion: "1.1.0", name: "ronet",
    plugins: [
      { type: "bridge", bridge: "robr0", isGateway: true,
        ipam: { type: "host-local", subnet: "10.61.7.0/24", routes: [{ dst: "0.0.0.0/0" }, { dst: "10.200.0.0/16" }], dataDir } },
      { type: NAME, ...override },
    ],
  });
}

type IpRoute = { dst: string; gateway?: string; dev: string; scope?: string };
const routes = (c: TestNetns): string[] =>
  ipJson<IpRoute[]>(c, ["route", "show"]).map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ""} dev ${r.dev}${r.scope === "link" ? " scope link" : ""}`).sort();
const att = (c: TestNetns): Attachment => ({ containerId: `ctr-${c.name}`, ifname: "eth0", netns: c.path });

describe("examples/route-override: built with the kit, installed from its .wasm, pinned, chained after bridge", () => {
  it("install prints a pinned entry granting netns and route only, as its manifest states", () => {
    const { report } = install();
    expect(report.imports).toEqual(["netns", "route"]);
    expect(report.manifest).toMatchObject({ name: NAME, capabilities: { interfaces: ["netns", "route"] } });
    expect(report.policy).toEqual({ [NAME]: { interfaces: ["netns", "route"], sha256: report.sha256 } });
  });

  it("delroutes, addroutes and flushgateway rewrite the container's routes and the result; CHECK passes, and fails once a deleted route is back; DEL takes eth0 out", () => {
    const { dir, report } = install();
    const host = newNetns("roh"), c = newNetns("roc");
    const { runner } = chain(dir, report, host);
    const list = conflist({
      delroutes: [{ dst: "10.200.0.0/16" }],
      addroutes: [{ dst: "192.168.77.0/24", gw: "10.61.7.1" }, { dst: "192.168.78.0/24" }],
      flushgateway: true,
    });
    const result = runner.add(list, att(c));
    expect(routes(c)).toEqual([
      "10.61.7.0/24 dev eth0 scope link",
      "192.168.77.0/24 via 10.61.7.1 dev eth0",
      "192.168.78.0/24 dev eth0 scope link",
    ]);
    expect(result["routes"]).toEqual([{ dst: "192.168.77.0/24", gw: "10.61.7.1" }, { dst: "192.168.78.0/24" }]);
    expect(result["ips"]).toEqual([{ interface: 2, address: expect.stringMatching(/^10\.61\.7\.\d+\/24$/) }]); // no gateway left
    runner.check(list, att(c));
    execFileSync("ip", ["-n", c.name, "route", "add", "10.200.0.0/16", "via", "10.61.7.1"]);
    expect(() => runner.check(list, att(c))).toThrow(expect.objectContaining({ code: 999, message: expect.stringMatching(/route in delroutes still in routing table: 10\.200\.0\.0\/16/) }));
    runner.del(list, att(c));
    expect(ipJson<{ ifname: string }[]>(c, ["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
  });

  it("flushroutes deletes the gateway and default routes bridge set up, keeps the link route, then adds addroutes", () => {
    const { dir, report } = install();
    const host = newNetns("roh"), c = newNetns("roc");
    const { runner } = chain(dir, report, host);
    const list = conflist({ flushroutes: true, addroutes: [{ dst: "172.30.0.0/16", gw: "10.61.7.254" }] });
    const result = runner.add(list, att(c));
    expect(routes(c)).toEqual(["10.61.7.0/24 dev eth0 scope link", "172.30.0.0/16 via 10.61.7.254 dev eth0"]);
    expect(result["routes"]).toEqual([{ dst: "172.30.0.0/16", gw: "10.61.7.254" }]);
    runner.check(list, att(c));
    runner.del(list, att(c));
  });

  it("its component file changed after install: the pinned call is refused before it runs (999, a load denial), bridge's routes stay", () => {
    const { dir, report } = install();
    const installed = join(dir, `${NAME}.wasm`);
    writeFileSync(installed, Buffer.concat([readFileSync(installed), Buffer.from([0])]));
    const host = newNetns("roh"), c = newNetns("roc");
    const { runner, lastAudit } = chain(dir, report, host);
    const why = new RegExp(`is pinned to sha256 ${report.sha256}, but its component ${NAME}\\.wasm has [0-9a-f]{64}`);
    let failure: unknown;
    try {
      runner.add(conflist({ flushroutes: true }), att(c));
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(ConflistError);
    expect(failure).toMatchObject({ code: 999, plugin: NAME, message: expect.stringMatching(why) });
    expect(lastAudit()).toMatchObject({ plugin: NAME, code: 999, denials: [{ plugin: NAME, fn: "load", reason: expect.stringMatching(why) }] });
    expect(routes(c)).toEqual(["10.200.0.0/16 via 10.61.7.1 dev eth0", "10.61.7.0/24 dev eth0 scope link", "default via 10.61.7.1 dev eth0"]);
  });
});
