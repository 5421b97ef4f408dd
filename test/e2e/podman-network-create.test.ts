// podman as a user runs it: `podman network create` writes its conflist (bridge, portmap,
// firewall, tuning), `podman run -p 8080:80` starts a busybox httpd on it, and the page is
// fetched on the host port from another host, from the node and over 127.0.0.1; stop and rm
// leave no rule, link or reservation. dist/cni-bin is podman's only plugin directory, the
// conflist is podman's own, untouched. Everything podman does stays in a temp dir and a netns
// of the test's own (podman-env.ts), inside the run's sandbox.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CNI_BIN } from "../helpers/fixtures";
import { ipJson, type TestNetns } from "../helpers/netns";
import { addRemoteHost, type AuditLine, fetchPage, NODE_IP, nftRules } from "./node-probes";
import { createPodmanEnv, podmanSkipReason, type PodmanEnv } from "./podman-env";

const skip = podmanSkipReason();
if (skip) process.stderr.write(`test/e2e/podman-network-create.test.ts skipped: ${skip}\n`);

const PLUGIN_DIRS = [CNI_BIN];
const suffix = Math.random().toString(16).slice(2, 8);
const NET = `wasm-cni-pm-${suffix}`; // unique: /var/lib/cni is shared by the run's test files
const CONTAINER = `web-${suffix}`;
const HOST_PORT = 8080;
const PAGE = "served by a busybox httpd in a podman container\n";
const IPAM_DIR = join("/var/lib/cni/networks", NET);
const CACHE_DIR = "/var/lib/cni/results";
const CHAIN = ["bridge", "portmap", "firewall", "tuning"];

const reservations = (): string[] =>
  existsSync(IPAM_DIR) ? readdirSync(IPAM_DIR).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip.")).sort() : [];

describe.skipIf(skip)(
  skip ? `podman network create end to end — skipped: ${skip}` : "podman 4.3 with a network of `podman network create` and dist/cni-bin as its only plugin directory",
  () => {
    let env: PodmanEnv;
    let remote: TestNetns;
    let rulesBefore: unknown[] = [];
    let id = "";
    let ip4 = "";
    let netnsPath = "";
    const audit = (): AuditLine[] =>
      existsSync(env.auditLog)
        ? readFileSync(env.auditLog, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditLine).filter((l) => l.network === NET)
        : [];

    beforeAll(() => {
      if (!existsSync(join(CNI_BIN, "bridge"))) {
        throw new Error(`${join(CNI_BIN, "bridge")} does not exist: run \`npm run build\` (or npm ci) first`);
      }
      env = createPodmanEnv({ pluginDirs: PLUGIN_DIRS });
      mkdirSync(join(env.rootfs, "www"));
      writeFileSync(join(env.rootfs, "www/index.html"), PAGE);
      remote = addRemoteHost(env.hostNs);
      env.ok(["network", "create", NET]);
      rulesBefore = nftRules(env.hostNs);
    }, 60_000);

    afterAll(() => {
      env?.dispose();
      remote?.remove();
    });

    it("podman network create writes the conflist that chains bridge, portmap, firewall and tuning", () => {
      const conflist = JSON.parse(readFileSync(join(env.dir, "net", `${NET}.conflist`), "utf8")) as { plugins: Array<{ type: string; capabilities?: object }> };
      expect(conflist.plugins.map((p) => p.type)).toEqual(CHAIN);
      expect(conflist.plugins[1]!.capabilities).toEqual({ portMappings: true });
    });

    it("podman run -p 8080:80 starts the container: every plugin of the chain ADDs, served by bin/wasm-cni", () => {
      const run = env.run(["run", "--detach", "--name", CONTAINER, "--network", NET, "-p", `${HOST_PORT}:80`, ...env.ulimits, "--rootfs", env.rootfs, "/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"]);
      expect(run.status, `podman run: ${run.stderr}`).toBe(0);
      const [info] = JSON.parse(env.ok(["inspect", CONTAINER])) as Array<{ Id: string; NetworkSettings: { SandboxKey: string; Networks: Record<string, { IPAddress: string }> } }>;
      id = info!.Id;
      ip4 = info!.NetworkSettings.Networks[NET]!.IPAddress;
      netnsPath = info!.NetworkSettings.SandboxKey;
      expect(reservations()).toEqual([ip4]);
      const adds = audit().filter((l) => l.verb === "ADD" && l.containerId === id);
      expect(adds.map((l) => [l.plugin, l.code, l.error])).toEqual(CHAIN.map((p) => [p, 0, undefined]));
    });

    it("the host port reaches the container's httpd from another host, from the node and over 127.0.0.1", async () => {
      expect(id, "podman run failed above").not.toBe("");
      expect(await fetchPage(remote, `http://${NODE_IP}:${HOST_PORT}/index.html`)).toBe(PAGE);
      expect(await fetchPage(env.hostNs, `http://${NODE_IP}:${HOST_PORT}/index.html`)).toBe(PAGE);
      expect(await fetchPage(env.hostNs, `http://127.0.0.1:${HOST_PORT}/index.html`)).toBe(PAGE);
      // The container's own address too (the firewall plugin lets the node's traffic through).
      expect(await fetchPage(env.hostNs, `http://${ip4}:80/index.html`)).toBe(PAGE);
    });

    // Last: it removes the container the tests above use.
    it("podman stop and rm leave nothing: no host veth, no reservation, no libcni cache entry, no netns, the node's nftables rules as before", async () => {
      expect(id, "podman run failed above").not.toBe("");
      env.ok(["stop", "--time", "0", CONTAINER]);
      env.ok(["rm", CONTAINER]);
      expect(env.ok(["ps", "--all", "--quiet"]).trim()).toBe("");
      // The DEL may run in conmon's exit command (`podman container cleanup`), which can still
      // be finishing when `podman stop` returns: wait for it, at most 10 s.
      const dels = () => audit().filter((l) => l.verb === "DEL" && l.containerId === id);
      for (const deadline = Date.now() + 10_000; dels().length < CHAIN.length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
      // libcni DELs in reverse order (podman may DEL twice: at stop and in the cleanup).
      expect(dels().slice(0, CHAIN.length).map((l) => [l.plugin, l.code, l.error])).toEqual([...CHAIN].reverse().map((p) => [p, 0, undefined]));
      expect(dels().filter((l) => l.code !== 0)).toEqual([]);

      const links = ipJson<Array<{ ifname: string; linkinfo?: { info_kind?: string } }>>(env.hostNs, ["-d", "link", "show"]);
      expect(links.filter((l) => l.linkinfo?.info_kind === "veth" && l.ifname !== "uplink").map((l) => l.ifname)).toEqual([]);
      expect(reservations()).toEqual([]);
      const cached = existsSync(CACHE_DIR) ? readdirSync(CACHE_DIR).filter((f) => f.startsWith(`${NET}-`)) : [];
      expect(cached).toEqual([]);
      expect(existsSync(netnsPath), netnsPath).toBe(false);
      expect(nftRules(env.hostNs)).toEqual(rulesBefore);
    });
  },
);
