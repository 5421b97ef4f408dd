// SPEC.md section 2 "Errors" and section 5 "Error": exit code 0 on success and non-zero on
// failure, stdout holding the result or the error JSON and nothing else, the well-known codes.
import { describe, expect, it } from "vitest";
import { cniExec, type CniOutcome } from "../../tools/cni-exec";
import { attachment, bridgePlugin, conflist, execPlugin, expectCniError, GO_BIN, netns, network, OURS, runnerFor } from "./compliance-fixture";

/** stdout is one JSON document and nothing else (no log line before or after it). */
function expectOnlyJson(out: CniOutcome): void {
  expect(out.stdout.trim()).not.toBe("");
  expect(() => JSON.parse(out.stdout), out.stdout).not.toThrow();
}

describe("stdout holds the result and nothing else", () => {
  it("ADD, CHECK, STATUS, GC and DEL through the runner print the result for ADD and nothing for the others", () => {
    const host = netns("h"), c = netns("c"), net = network("out");
    const { runner, calls } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [bridgePlugin(net), { type: "loopback" }]);
    const att = attachment(c);
    runner.add(list, att);
    runner.check(list, att);
    runner.status(list);
    runner.gc(list, [{ containerID: att.containerId, ifname: att.ifname }]);
    runner.del(list, att);
    for (const call of calls) {
      expect(call.out.code, `${call.command} ${call.plugin}: ${call.out.stderr}`).toBe(0);
      if (call.command === "ADD") expectOnlyJson(call.out);
      else expect(call.out.stdout, `${call.command} ${call.plugin}`).toBe("");
    }
    expect(calls.map((x) => `${x.command} ${x.plugin}`)).toEqual([
      "ADD bridge", "ADD loopback", "CHECK bridge", "CHECK loopback", "STATUS bridge", "STATUS loopback", "GC bridge", "GC loopback", "DEL loopback", "DEL bridge",
    ]);
  });

  it("with WASM_CNI_TRACE=1 the timings go to stderr and stdout still holds only the result", () => {
    const host = netns("h"), c = netns("c"), net = network("trace");
    const out = cniExec({ binary: `${OURS}/bridge`, command: "ADD", config: { cniVersion: "1.1.0", name: net.name, ...bridgePlugin(net) }, inNetns: host.name, containerId: "t1", netns: c.path, ifname: "eth0", env: { WASM_CNI_TRACE: "1" } });
    expect(out.code, out.stderr).toBe(0);
    expectOnlyJson(out);
    expect(out.stderr).not.toBe("");
  });
});

/** One failing call: the config, the environment, and the code each implementation returns. */
interface ErrorCase {
  title: string;
  plugin?: string;
  config: unknown;
  env?: { command?: string; containerId?: string; netns?: string; ifname?: string; args?: string };
  ours: number;
  go: number;
}

const base = { cniVersion: "1.0.0", name: "errnet", type: "bridge", bridge: "cberr", ipam: { type: "host-local", subnet: "10.99.0.0/24" } };
const CASES: ErrorCase[] = [
  { title: "an unknown CNI_COMMAND", config: base, env: { command: "FROB" }, ours: 4, go: 4 },
  { title: "ADD without CNI_CONTAINERID", config: base, env: { containerId: "" }, ours: 4, go: 4 },
  { title: "ADD without CNI_NETNS", config: base, env: { netns: "" }, ours: 4, go: 4 },
  { title: "ADD without CNI_IFNAME", config: base, env: { ifname: "" }, ours: 4, go: 4 },
  { title: "a CNI_IFNAME longer than 15 characters", config: base, env: { ifname: "eth0123456789abc" }, ours: 4, go: 4 },
  { title: "a CNI_CONTAINERID starting with '-'", config: base, env: { containerId: "-bad" }, ours: 4, go: 4 },
  { title: "stdin that is not JSON", config: "{not json", ours: 6, go: 6 },
  { title: "a cniVersion no plugin speaks", config: { ...base, cniVersion: "9.9.9" }, ours: 1, go: 1 },
  { title: "CHECK at 0.3.1 (CHECK came in 0.4.0)", config: { ...base, cniVersion: "0.3.1" }, env: { command: "CHECK" }, ours: 1, go: 1 },
  { title: "CNI_ARGS with a pair without '='", config: base, env: { args: "FOO" }, ours: 4, go: 999 },
  { title: "an invalid IPAM subnet", config: { ...base, ipam: { type: "host-local", subnet: "10.99.0.0/33" } }, ours: 7, go: 999 },
  { title: "a CNI_NETNS that does not exist", config: base, env: { netns: "/run/netns/does-not-exist" }, ours: 999, go: 999 },
];

describe("errors: exit code non-zero, error JSON with code and msg on stdout", () => {
  for (const [impl, bin] of [["ours", OURS], ["go", GO_BIN]] as const) {
    for (const k of CASES) {
      it(`${impl}: ${k.title} fails with code ${k[impl]}`, () => {
        const host = netns("h"), c = netns("c");
        const out = cniExec({
          binary: `${bin}/${k.plugin ?? "bridge"}`, path: bin, inNetns: host.name, config: k.config,
          command: (k.env?.command ?? "ADD") as "ADD", containerId: k.env?.containerId ?? "e1", netns: k.env?.netns ?? c.path, ifname: k.env?.ifname ?? "eth0",
          ...(k.env?.args !== undefined && { args: k.env.args }),
        });
        const e = expectCniError(out, k[impl]);
        expect(e.msg).not.toBe("");
        if (impl === "ours") expect(out.json).toHaveProperty("cniVersion");
      });
    }
  }

  it("ADD fails when an interface of the requested name already exists in the container, and the existing one stays", () => {
    const host = netns("h"), c = netns("c"), net = network("dup");
    c.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "peer0"]);
    const out = execPlugin(OURS, "bridge", "ADD", { cniVersion: "1.1.0", name: net.name, ...bridgePlugin(net) }, host, attachment(c));
    expectCniError(out);
    expect(c.exec("ip", ["-o", "link", "show", "eth0"])).toContain("eth0@peer0");
  });

  it("a runner's ADD error carries the plugin's code and msg and names the plugin", () => {
    const host = netns("h"), c = netns("c"), net = network("rerr");
    const { runner } = runnerFor(OURS, host, net);
    const list = conflist(net, "1.1.0", [{ ...bridgePlugin(net), ipam: { type: "host-local", subnet: "bad" } }]);
    expect(() => runner.add(list, attachment(c))).toThrow(expect.objectContaining({ code: 7, plugin: "bridge", message: expect.stringMatching(/^plugin type="bridge" failed \(add\): /) }));
  });
});
