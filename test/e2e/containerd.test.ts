// containerd's CRI (Debian's containerd 1.6) driven as the kubelet drives it, over its gRPC
// socket: RunPodSandbox with a hostPort, CreateContainer and StartContainer of a busybox httpd
// in the pod, the hostPort reached from another host, from the node and over 127.0.0.1, then
// StopContainer, StopPodSandbox, RemoveContainer and RemovePodSandbox. The CNI side is the
// conflist containerd ships for this (bridge with host-local, then portmap), with dist/cni-bin
// as the CRI's bin_dir. Everything containerd does stays in a temp dir and namespaces of the
// test's own (containerd-env.ts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CNI_BIN } from "../helpers/fixtures";
import { ipJson, type TestNetns } from "../helpers/netns";
import { containerdSkipReason, startContainerd, type ContainerdEnv } from "./containerd-env";
import type { ContainerConfig, PodSandboxConfig } from "./cri/client";
import { IMAGE_REF, PAGE } from "./cri/image";
import { addRemoteHost, type AuditLine, fetchPage, NODE_IP, nftRules } from "./node-probes";

const skip = containerdSkipReason();
if (skip) process.stderr.write(`test/e2e/containerd.test.ts skipped: ${skip}\n`);

const BIN_DIR = CNI_BIN;
const NET = "containerd-net";
// The 10-containerd-net.conflist that containerd 1.6.20's script/setup/install-cni writes (and
// its getting-started guide shows), unchanged but for one value: its IPv6 range
// 2001:4860:4860::/64 is public address space, so it is the documentation prefix
// 2001:db8:4860::/64 here, as in containerd's later versions of the file.
const CONFLIST = {
  cniVersion: "1.0.0",
  name: NET,
  plugins: [
    {
      type: "bridge",
      bridge: "cni0",
      isGateway: true,
      ipMasq: true,
      promiscMode: true,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.88.0.0/16" }], [{ subnet: "2001:db8:4860::/64" }]],
        routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
      },
    },
    { type: "portmap", capabilities: { portMappings: true } },
  ],
};
const HOST_PORT = 8080;
const IPAM_DIR = join("/var/lib/cni/networks", NET);
const CACHE_DIR = "/var/lib/cni/results";

const audit = (env: ContainerdEnv, podId: string): AuditLine[] =>
  existsSync(env.auditLog)
    ? readFileSync(env.auditLog, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditLine).filter((l) => l.containerId === podId)
    : [];

/** host-local's reservations of the network: every file but its lock and round-robin positions. */
const reservations = (): string[] =>
  existsSync(IPAM_DIR) ? readdirSync(IPAM_DIR).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip.")).sort() : [];

describe.skipIf(skip)(
  skip ? `containerd CRI end to end — skipped: ${skip}` : `containerd 1.6 CRI with ${NET} (bridge, portmap) and dist/cni-bin as bin_dir`,
  () => {
    let env: ContainerdEnv;
    let remote: TestNetns;
    let podId = "";
    let containerId = "";
    let rulesBefore: unknown[] = [];
    const suffix = Math.random().toString(16).slice(2, 8);
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: `web-${suffix}`, uid: `uid-${suffix}`, namespace: "default", attempt: 0 },
      hostname: `web-${suffix}`,
      log_directory: "",
      // containerd hands portmap {"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}:
      // go-cni's struct has no json tags (Go's own portmap matches keys case-insensitively).
      port_mappings: [{ protocol: "TCP", container_port: 80, host_port: HOST_PORT }],
      labels: { app: "web" },
    };

    beforeAll(async () => {
      env = await startContainerd({ binDir: BIN_DIR, networks: { [NET]: CONFLIST } });
      sandboxConfig.log_directory = join(env.dir, "logs");
      remote = addRemoteHost(env.hostNs);
      rulesBefore = nftRules(env.hostNs);
    }, 60_000);

    afterAll(async () => {
      await env?.dispose();
      remote?.remove();
    }, 60_000);

    it("the image built from Debian's busybox is in containerd's k8s.io namespace, for the CRI", async () => {
      expect((await env.cri.version()).runtime_name).toBe("containerd");
      expect((await env.cri.imageStatus(IMAGE_REF)).image?.repo_tags).toEqual([IMAGE_REF]);
    });

    it("RunPodSandbox with a hostPort: the CNI ADDs succeed and the pod gets an IPv4 and an IPv6 address of the conflist's ranges, reserved by host-local", async () => {
      podId = await env.cri.runPodSandbox(sandboxConfig).catch((e: Error) => {
        throw new Error(`${e.message}\ncontainerd's log:\n${env.log().split("\n").filter((l) => /level=(error|warning)/.test(l)).slice(-10).join("\n")}`);
      });
      const status = await env.cri.podSandboxStatus(podId);
      expect(status.state).toBe("SANDBOX_READY");
      const ip4 = status.network!.ip;
      const ip6 = status.network!.additional_ips.map((a) => a.ip);
      expect(ip4).toMatch(/^10\.88\.\d+\.\d+$/);
      expect(ip6).toEqual([expect.stringMatching(/^2001:db8:4860::/)]);
      expect(reservations()).toEqual([ip4, ...ip6].sort());
      for (const a of [ip4, ...ip6]) expect(readFileSync(join(IPAM_DIR, a), "utf8").split(/\r?\n/)).toEqual([podId, "eth0"]);
      expect(env.podNetnsMounts()).toHaveLength(1);
    });

    it("every CNI call of RunPodSandbox was served by bin/wasm-cni: loopback (containerd's own), then bridge and portmap of the conflist in order", () => {
      expect(podId, "RunPodSandbox failed above").not.toBe("");
      // go-cni may attach loopback and the conflist concurrently: only the chain has an order.
      const adds = audit(env, podId).filter((l) => l.verb === "ADD").map((l) => [l.plugin, l.code, l.error]);
      expect(adds.filter(([p]) => p !== "loopback")).toEqual([
        ["bridge", 0, undefined],
        ["portmap", 0, undefined],
      ]);
      expect(adds.filter(([p]) => p === "loopback")).toEqual([["loopback", 0, undefined]]);
    });

    it("a busybox httpd started in the pod is reached on the hostPort from another host, from the node and over 127.0.0.1", async () => {
      expect(podId, "RunPodSandbox failed above").not.toBe("");
      const config: ContainerConfig = {
        metadata: { name: "httpd", attempt: 0 },
        image: { image: IMAGE_REF },
        command: ["/bin/busybox"],
        args: ["httpd", "-f", "-p", "80", "-h", "/www"],
        log_path: "httpd.log",
      };
      containerId = await env.cri.createContainer(podId, config, sandboxConfig);
      await env.cri.startContainer(containerId);
      expect((await env.cri.containerStatus(containerId)).state).toBe("CONTAINER_RUNNING");
      // The pod's own view: eth0 holds the address the CRI reported.
      const podIp = (await env.cri.podSandboxStatus(podId)).network!.ip;
      const inPod = await env.cri.execSync(containerId, ["/bin/busybox", "ip", "-4", "addr", "show", "dev", "eth0"], 10);
      expect(inPod.stdout).toContain(`inet ${podIp}/16 `);

      expect(await fetchPage(remote, `http://${NODE_IP}:${HOST_PORT}/index.html`)).toBe(PAGE);
      expect(await fetchPage(env.hostNs, `http://${NODE_IP}:${HOST_PORT}/index.html`)).toBe(PAGE);
      expect(await fetchPage(env.hostNs, `http://127.0.0.1:${HOST_PORT}/index.html`)).toBe(PAGE);
    });

    // Last: it removes the pod the tests above use.
    it("StopPodSandbox and RemovePodSandbox leave nothing: no pod netns, no veth, no reservation, no libcni cache entry, the node's nftables rules as before", async () => {
      expect(podId, "RunPodSandbox failed above").not.toBe("");
      // The kubelet's order: stop the containers, then the sandbox (CNI DEL); remove later.
      if (containerId) await env.cri.stopContainer(containerId, 2);
      await env.cri.stopPodSandbox(podId);
      if (containerId) await env.cri.removeContainer(containerId);
      await env.cri.removePodSandbox(podId);
      expect(await env.cri.listPodSandbox()).toEqual([]);

      const dels = audit(env, podId).filter((l) => l.verb === "DEL");
      expect(dels.length, "DEL calls").toBeGreaterThan(0);
      expect(dels.filter((l) => l.code !== 0)).toEqual([]);
      expect(new Set(dels.map((l) => l.plugin))).toEqual(new Set(["loopback", "bridge", "portmap"]));

      expect(env.podNetnsMounts()).toEqual([]);
      const links = ipJson<Array<{ ifname: string; linkinfo?: { info_kind?: string } }>>(env.hostNs, ["-d", "link", "show"]);
      expect(links.filter((l) => l.linkinfo?.info_kind === "veth" && l.ifname !== "uplink").map((l) => l.ifname)).toEqual([]);
      expect(reservations()).toEqual([]);
      const cached = existsSync(CACHE_DIR) ? readdirSync(CACHE_DIR).filter((f) => f.includes(podId)) : [];
      expect(cached).toEqual([]);
      expect(nftRules(env.hostNs)).toEqual(rulesBefore);
    });
  },
);
