// `npm run bench:cri [-- pods]`: containerd's CRI (Debian's containerd 1.6, test/e2e's harness)
// driven as the kubelet drives it, once with the Go reference plugins as its CNI bin_dir and
// once with ours and `wasm-cni serve` running in containerd's namespaces; the same conflist
// (bridge with ipMasq, dual stack host-local, portmap) and one hostPort per pod. Pods one after
// another, the two containerds in turn; prints the medians of RunPodSandbox, StopPodSandbox
// and RemovePodSandbox and the ratios, with ours cold (no serve) for comparison. Opt-in: it takes a minute and needs containerd.
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { containerdSkipReason, startContainerd, type ContainerdEnv } from "../test/e2e/containerd-env";
import type { PodSandboxConfig } from "../test/e2e/cri/client";
import { defaultSpares } from "../host/prestart/protocol";

const ROOT = resolve(".");
const PODS = Number(process.argv[2] ?? 20);
delete process.env.NODE_EXTRA_CA_CERTS;

const conflist = {
  cniVersion: "1.0.0",
  name: "bench-cri",
  plugins: [
    {
      type: "bridge", bridge: "cni0", isGateway: true, ipMasq: true,
      ipam: { type: "host-local", ranges: [[{ subnet: "10.88.0.0/16" }], [{ subnet: "2001:db8:4860::/64" }]], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] },
    },
    { type: "portmap", capabilities: { portMappings: true } },
  ],
};

/** Go's plugins as a bin_dir of their own: containerd execs loopback, bridge, host-local and portmap. */
function goBinDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wasm-cni-go-bin-"));
  for (const p of ["loopback", "bridge", "host-local", "portmap"]) symlinkSync(join("/usr/lib/cni", p), join(dir, p));
  return dir;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

async function main(): Promise<void> {
  const skip = containerdSkipReason();
  if (skip !== undefined || process.env.WASM_CNI_SANDBOX !== "1") {
    process.stderr.write(`bench:cri: ${skip ?? "run it with `npm run bench:cri` (inside its own namespaces)"}\n`);
    process.exit(2);
  }
  const variants: { label: string; env: ContainerdEnv }[] = [];
  try {
    variants.push({ label: "Go plugins", env: await startContainerd({ binDir: goBinDir(), networks: { "bench-cri": conflist } }) });
    const ours = await startContainerd({ binDir: join(ROOT, "dist/cni-bin"), networks: { "bench-cri": conflist }, serve: join(ROOT, "bin/wasm-cni") });
    variants.push({ label: "wasm-cni with serve", env: ours });
    variants.push({ label: "wasm-cni cold", env: await startContainerd({ binDir: join(ROOT, "dist/cni-bin"), networks: { "bench-cri": conflist } }) });
    // serve's pool warms up in containerd's private /run.
    for (let waited = 0; ; waited += 100) {
      const run = ours.inside("/run/wasm-cni");
      if (run !== undefined && existsSync(run) && readdirSync(run).filter((n) => n.startsWith("ready-")).length >= defaultSpares()) break;
      if (waited > 30_000) throw new Error(`serve's pool did not get ready in containerd's namespaces:\n${ours.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const times: Record<string, number[]> = {};
    const time = async (key: string, f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      (times[key] ??= []).push(performance.now() - t0);
    };
    process.stdout.write(`bench:cri: ${PODS} pods per variant, one after another, the variants in turn (+2 warm-up)\n`);
    for (let i = -2; i < PODS; i++) {
      for (const { label, env } of variants) {
        const n = `p${i + 2}-${label.replace(/[^a-z]/gi, "").toLowerCase()}`;
        const config: PodSandboxConfig = {
          metadata: { name: n, uid: `uid-${n}`, namespace: "default", attempt: 0 }, hostname: n, log_directory: join(env.dir, "logs"),
          port_mappings: [{ protocol: "TCP", container_port: 80, host_port: 8080 }],
        };
        const tag = i < 0 ? "warm-up" : label;
        let id = "";
        await time(`${tag}: RunPodSandbox`, async () => void (id = await env.cri.runPodSandbox(config)));
        await time(`${tag}: StopPodSandbox`, () => env.cri.stopPodSandbox(id));
        await time(`${tag}: RemovePodSandbox`, () => env.cri.removePodSandbox(id));
      }
    }
    process.stdout.write("\n| call (median ms) | Go plugins | wasm-cni with serve | wasm-cni cold |\n|---|---:|---:|---:|\n");
    for (const call of ["RunPodSandbox", "StopPodSandbox", "RemovePodSandbox"]) {
      const go = median(times[`Go plugins: ${call}`] ?? []);
      const cell = (label: string) => {
        const m = median(times[`${label}: ${call}`] ?? []);
        return `${m.toFixed(1)} (${(m / go).toFixed(2)}x)`;
      };
      process.stdout.write(`| ${call} | ${go.toFixed(1)} | ${cell("wasm-cni with serve")} | ${cell("wasm-cni cold")} |\n`);
    }
  } finally {
    for (const { env } of variants) await env.dispose();
  }
}

await main();
