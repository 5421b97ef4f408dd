// A real container runtime end to end: podman 4.3 with its CNI backend, whose only plugin
// directory is dist/cni-bin (bridge, host-local, loopback → bin/wasm-cni), runs two busybox
// containers on a bridge network. Everything podman does stays in a temp dir and a netns of the
// test's own (podman-env.ts), inside the run's sandbox.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CNI_BIN } from "../helpers/fixtures";
import { ipJson } from "../helpers/netns";
import { createPodmanEnv, podmanSkipReason, type PodmanEnv } from "./podman-env";

// Probed once at collection, so that a skip carries its reason in the title.
const skip = podmanSkipReason();
if (skip) process.stderr.write(`test/e2e/podman.test.ts skipped: ${skip}\n`);

const suffix = Math.random().toString(16).slice(2, 8);
const NET = `wasm-cni-e2e-${suffix}`; // unique: /var/lib/cni is shared by the run's test files
const BRIDGE = `wcni${suffix}`;
const SUBNET4 = { prefix: "10.89.0.", gateway: "10.89.0.1" };
const SUBNET6 = { prefix: "fd89::", gateway: "fd89::1" };
const IPAM_DIR = join("/var/lib/cni/networks", NET);
const CACHE_DIR = "/var/lib/cni/results";

// What a podman user writes: the reference plugins' conflist, unchanged. 1.0.0: the newest
// version the libcni inside podman 4.3 (v1.1.x) knows; our host speaks 0.1.0-1.1.0.
const CONFLIST = {
  cniVersion: "1.0.0",
  name: NET,
  plugins: [
    {
      type: "bridge",
      bridge: BRIDGE,
      isGateway: true,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.89.0.0/24" }], [{ subnet: "fd89::/64" }]],
        routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
      },
    },
  ],
};

interface Container {
  name: string;
  id: string;
  ip4: string;
  ip6: string;
  mac: string;
  gateway4: string;
  gateway6: string;
  /** podman's netns for it: /run/netns/netns-<uuid>. */
  netns: string;
}

interface AuditLine {
  plugin: string;
  verb: string;
  containerId: string;
  network: string;
  components: Record<string, string>;
  code: number;
  error?: string;
}

const audit = (env: PodmanEnv): AuditLine[] =>
  existsSync(env.auditLog)
    ? readFileSync(env.auditLog, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditLine).filter((l) => l.network === NET)
    : [];

/** The reservation files of our network: every file but host-local's lock and round-robin positions. */
const reservations = (): string[] =>
  existsSync(IPAM_DIR) ? readdirSync(IPAM_DIR).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip.")).sort() : [];

interface IpLink {
  ifname: string;
  master?: string;
  flags: string[];
  linkinfo?: { info_kind?: string };
}

describe.skipIf(skip)(
  skip ? `podman end to end — skipped: ${skip}` : "podman 4.3 (CNI backend, runc) with dist/cni-bin as its only plugin directory",
  () => {
    let env: PodmanEnv;
    const containers: Container[] = [];

    beforeAll(() => {
      if (!existsSync(join(CNI_BIN, "bridge"))) {
        throw new Error(`${join(CNI_BIN, "bridge")} does not exist: run \`npm run build\` (or npm ci) first`);
      }
      env = createPodmanEnv({ pluginDirs: [CNI_BIN], networks: { [NET]: CONFLIST }, defaultNetwork: NET });
      // Both ways a user attaches a container: the configured default network, and --network.
      for (const [name, network] of [[`c1-${suffix}`, []], [`c2-${suffix}`, ["--network", NET]]] as const) {
        env.ok(["run", "--detach", "--name", name, ...network, ...env.ulimits, "--rootfs", env.rootfs, "/bin/busybox", "sleep", "600"]);
        const [info] = JSON.parse(env.ok(["inspect", name])) as Array<{
          Id: string;
          NetworkSettings: { SandboxKey: string; Networks: Record<string, Record<string, string | number>> };
        }>;
        const n = info!.NetworkSettings.Networks[NET]!;
        containers.push({
          name, id: info!.Id, netns: info!.NetworkSettings.SandboxKey,
          ip4: String(n.IPAddress), ip6: String(n.GlobalIPv6Address), mac: String(n.MacAddress),
          gateway4: String(n.Gateway), gateway6: String(n.IPv6Gateway),
        });
      }
    }, 60_000);

    afterAll(() => env?.dispose());

    const exec = (c: Container, ...args: string[]) => env.ok(["exec", c.name, "/bin/busybox", ...args]);

    it("podman loads the conflist through its CNI backend", () => {
      expect(env.ok(["info", "--format", "{{.Host.NetworkBackend}}"]).trim()).toBe("cni");
      const [net] = JSON.parse(env.ok(["network", "inspect", NET])) as Array<{ driver: string; subnets: Array<{ subnet: string; gateway: string }> }>;
      expect(net!.driver).toBe("bridge");
      expect(net!.subnets).toEqual([
        { subnet: "10.89.0.0/24", gateway: "10.89.0.1" },
        { subnet: "fd89::/64", gateway: "fd89::1" },
      ]);
    });

    it("each container gets its own IPv4 and IPv6 address: podman inspect, eth0 inside and host-local's reservation files agree", () => {
      const [c1, c2] = containers as [Container, Container];
      expect(c1.ip4).not.toBe(c2.ip4);
      expect(c1.ip6).not.toBe(c2.ip6);
      for (const c of containers) {
        expect(c.ip4.startsWith(SUBNET4.prefix), c.ip4).toBe(true);
        expect(c.ip6.startsWith(SUBNET6.prefix), c.ip6).toBe(true);
        expect([c.gateway4, c.gateway6]).toEqual([SUBNET4.gateway, SUBNET6.gateway]);
        // busybox `ip` prints text only: match the lines an address and a MAC print as.
        const eth0 = exec(c, "ip", "addr", "show", "dev", "eth0");
        expect(eth0).toContain(`inet ${c.ip4}/24 `);
        expect(eth0).toContain(`inet6 ${c.ip6}/64 `);
        expect(eth0).toContain(`link/ether ${c.mac} `);
        expect(eth0).toMatch(/<[^>]*\bUP\b[^>]*>/);
        expect(exec(c, "ip", "route")).toContain(`default via ${SUBNET4.gateway} dev eth0`);
        // The reservation names the container (host-local's layout: "<id>\r\n<ifname>").
        for (const ip of [c.ip4, c.ip6]) expect(readFileSync(join(IPAM_DIR, ip), "utf8").split(/\r?\n/)).toEqual([c.id, "eth0"]);
      }
      expect(reservations()).toEqual([c1.ip4, c1.ip6, c2.ip4, c2.ip6].sort());
    });

    it("the host side is our bridge with the gateways and one veth per container", () => {
      const links = ipJson<IpLink[]>(env.hostNs, ["-d", "link", "show"]);
      expect(links.find((l) => l.ifname === BRIDGE)?.linkinfo?.info_kind).toBe("bridge");
      const ports = links.filter((l) => l.master === BRIDGE);
      expect(ports.map((l) => l.linkinfo?.info_kind)).toEqual(["veth", "veth"]);
      for (const p of ports) expect(p.flags).toContain("UP");
      const addrs = ipJson<Array<{ addr_info: Array<{ local: string; prefixlen: number; scope: string }> }>>(env.hostNs, ["addr", "show", "dev", BRIDGE]);
      const global = addrs[0]!.addr_info.filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`);
      expect(global).toEqual([`${SUBNET4.gateway}/24`, `${SUBNET6.gateway}/64`]);
    });

    it("every CNI call podman made was served by bin/wasm-cni: bridge ADD with host-local in process, never the loopback plugin (podman sets lo up itself)", () => {
      const lines = audit(env);
      for (const c of containers) {
        const adds = lines.filter((l) => l.verb === "ADD" && l.containerId === c.id);
        expect(adds.map((l) => [l.plugin, l.code, Object.keys(l.components).sort()])).toEqual([["bridge", 0, ["bridge", "host-local"]]]);
        // podman's CNI backend brings lo up over netlink before ADD (containers/common
        // libnetwork/cni: setupLoopback); it execs no loopback plugin, ours or another.
        expect(exec(c, "ip", "addr", "show", "dev", "lo")).toMatch(/<LOOPBACK,UP,LOWER_UP>[\s\S]*inet 127\.0\.0\.1\/8/);
      }
      expect(lines.filter((l) => l.plugin !== "bridge")).toEqual([]);
    });

    it("containers reach each other and the gateway over the bridge (busybox ping, IPv4 and IPv6)", () => {
      const [c1, c2] = containers as [Container, Container];
      const ping = (from: Container, to: string) => exec(from, "ping", "-c", "1", "-W", "3", to);
      expect(ping(c1, c2.ip4)).toContain("1 packets received");
      expect(ping(c2, c1.ip4)).toContain("1 packets received");
      expect(ping(c1, c2.ip6)).toContain("1 packets received");
      expect(ping(c1, SUBNET4.gateway)).toContain("1 packets received");
      expect(ping(c2, SUBNET6.gateway)).toContain("1 packets received");
    });

    // Last: it removes the containers the tests above use.
    it("podman rm leaves nothing behind: no host veth, no IPAM reservation, no libcni cache entry, no netns", async () => {
      for (const c of containers) expect(existsSync(c.netns), c.netns).toBe(true);
      env.ok(["rm", "--force", "--time", "0", ...containers.map((c) => c.name)]);
      expect(env.ok(["ps", "--all", "--quiet"]).trim()).toBe("");

      // The teardown may also run in conmon's exit command (`podman container cleanup`), which
      // can still be finishing when `podman rm` returns: wait for both DELs, at most 10 s.
      const deadline = Date.now() + 10_000;
      const dels = () => containers.filter((c) => audit(env).some((l) => l.verb === "DEL" && l.containerId === c.id));
      while (dels().length < containers.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (const c of containers) {
        const del = audit(env).filter((l) => l.verb === "DEL" && l.containerId === c.id);
        expect(del.length, `DEL for ${c.name}`).toBeGreaterThan(0);
        expect(del.map((l) => [l.plugin, l.code, l.error])).toEqual(del.map(() => ["bridge", 0, undefined]));
      }

      const links = ipJson<IpLink[]>(env.hostNs, ["-d", "link", "show"]);
      expect(links.filter((l) => l.linkinfo?.info_kind === "veth").map((l) => l.ifname)).toEqual([]);
      expect(reservations()).toEqual([]);
      const cached = existsSync(CACHE_DIR) ? readdirSync(CACHE_DIR).filter((f) => f.startsWith(`${NET}-`)) : [];
      expect(cached).toEqual([]);
      for (const c of containers) expect(existsSync(c.netns), c.netns).toBe(false);
      // The bridge stays, as with the reference plugin: a network outlives its containers.
      expect(links.map((l) => l.ifname).sort()).toEqual([BRIDGE, "lo"].sort());
    });
  },
);
