// A containerd of the test's own, with its CRI plugin as the kubelet uses it: root, state,
// sockets, config, CNI conf_dir and the pods' netns in one temp dir; the process in a netns the
// test makes (the node: bridge, host veths and firewall rules land there) and in mount and pid
// namespaces of its own, with a private tmpfs on /run (the shims' sockets go to
// /run/containerd/s whatever `state` says), so that killing it ends every shim and container
// and nothing outside the run's sandbox changes. IPAM state and libcni's cache go to
// /var/lib/cni, the sandbox's tmpfs, where a node's would.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetns, type TestNetns } from "../helpers/netns";
import { isStaticElf } from "../helpers/static-elf";
import { connectCri, type CriClient } from "./cri/client";
import { BUSYBOX, buildBusyboxImage, IMAGE_REF } from "./cri/image";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const START_TIMEOUT_MS = 20_000;
const CGROUP_ROOT = "/sys/fs/cgroup";

export interface ContainerdOptions {
  /** The CRI's cni `bin_dir`: the plugin directory under test. */
  binDir: string;
  /** The one conflist of conf_dir (file name without .conflist → conflist). */
  networks: Record<string, unknown>;
  /**
   * Also runs `<serve> serve` (bin/wasm-cni) in containerd's network and mount namespaces, its
   * pool in their private /run/wasm-cni, where the plugins containerd execs find it.
   */
  serve?: string;
}

export interface ContainerdEnv {
  dir: string;
  /** The node's netns: containerd, the shims and the CNI plugins run in it. */
  hostNs: TestNetns;
  auditLog: string;
  cri: CriClient;
  /** The netns containerd holds for pods: nsfs mounts in its own mount namespace. */
  podNetnsMounts(): string[];
  /** containerd's log so far (for error messages). */
  log(): string;
  /** A path as containerd sees it (its private /run), reachable from here; undefined when it is gone. */
  inside(path: string): string | undefined;
  /** Stops and removes every pod left (so the CNI DELs run), kills containerd, removes all. */
  dispose(): Promise<void>;
}

/** containerd's config.toml (version 2): only what keeps it in `dir` plus the CRI settings. */
function configToml(dir: string, binDir: string): string {
  const q = (s: string) => JSON.stringify(s);
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return [
    "version = 2",
    `root = ${q(join(dir, "root"))}`,
    `state = ${q(join(dir, "state"))}`,
    // Snapshotters this sandbox has no use for; they would only log why they cannot load.
    `disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]`,
    "[grpc]",
    `  address = ${q(join(dir, "containerd.sock"))}`,
    "[ttrpc]",
    `  address = ${q(join(dir, "containerd.sock.ttrpc"))}`,
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${q(join(dir, "opt"))}`,
    `[${cri}]`,
    `  sandbox_image = ${q(IMAGE_REF)}`,
    // runc cannot write oom_score_adj here: RunPodSandbox would fail with "can't get final
    // child's PID from pipe: EOF".
    "  restrict_oom_score_adj = true",
    // CRI 1.6 would put every sandbox at /k8s.io/<id> at the root of each cgroup hierarchy.
    "  disable_cgroup = true",
    "  disable_apparmor = true",
    "  netns_mounts_under_state_dir = true",
    `[${cri}.cni]`,
    `  bin_dir = ${q(binDir)}`,
    `  conf_dir = ${q(join(dir, "net.d"))}`,
    "  max_conf_num = 1",
    `[${cri}.containerd]`,
    `  snapshotter = "overlayfs"`,
    `  default_runtime_name = "runc"`,
    `[${cri}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    `[${cri}.containerd.runtimes.runc.options]`,
    `  Root = ${q(join(dir, "runc"))}`,
    "",
  ].join("\n");
}

/** Every directory of the cgroup v1 hierarchies and the unified one, to find what runc leaves. */
function cgroupDirs(): Set<string> {
  const dirs = new Set<string>();
  if (!existsSync(CGROUP_ROOT)) return dirs;
  for (const ctl of readdirSync(CGROUP_ROOT)) {
    const base = join(CGROUP_ROOT, ctl);
    if (!statSync(base).isDirectory()) continue;
    const walk = (d: string, depth: number) => {
      dirs.add(d);
      if (depth === 0) return;
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name), depth - 1);
    };
    walk(base, 3);
  }
  return dirs;
}

/** Removes the cgroup dirs made since `before` that are empty (deepest first; a busy one stays). */
function removeNewCgroups(before: Set<string>): void {
  const made = [...cgroupDirs()].filter((d) => !before.has(d)).sort((a, b) => b.length - a.length);
  for (const d of made) {
    try {
      rmdirSync(d);
    } catch {
      // not empty or already gone: never force anything here
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startContainerd(opts: ContainerdOptions): Promise<ContainerdEnv> {
  const dir = mkdtempSync(join(tmpdir(), "wasm-cni-containerd-"));
  for (const sub of ["net.d", "image", "logs", "opt"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "config.toml"), configToml(dir, opts.binDir));
  for (const [name, conflist] of Object.entries(opts.networks)) {
    writeFileSync(join(dir, "net.d", `10-${name}.conflist`), JSON.stringify(conflist, null, 2));
  }
  const image = buildBusyboxImage(join(dir, "image"));
  const hostNs = createNetns("cd");
  const auditLog = join(dir, "audit.log");
  const logFile = join(dir, "containerd.log");
  const cgroupsBefore = cgroupDirs();
  // containerd hands its environment on to every plugin it execs (libcni adds the CNI_*):
  // a node's, not the test worker's.
  const env = { PATH: process.env.PATH ?? DEFAULT_PATH, WASM_CNI_AUDIT_LOG: auditLog };
  const out = openSync(logFile, "a");
  const daemon: ChildProcess = spawn(
    "nsenter",
    [
      `--net=${hostNs.path}`, "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc",
      "sh", "-c", `mount -t tmpfs -o mode=0755 tmpfs /run && ${opts.serve ? `{ ${opts.serve} serve & } && ` : ""}exec containerd --config ${join(dir, "config.toml")}`,
    ],
    { env, stdio: ["ignore", out, out] },
  );
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  let exited = false;
  daemon.on("exit", () => void (exited = true));

  /** containerd in our pid namespace: the one child of `unshare` (nsenter execs it). */
  const containerdPid = (): number | undefined => {
    try {
      const kids = readFileSync(`/proc/${daemon.pid}/task/${daemon.pid}/children`, "utf8").trim().split(/\s+/);
      return kids[0] ? Number(kids[0]) : undefined;
    } catch {
      return undefined;
    }
  };

  const cri = connectCri(join(dir, "containerd.sock"));
  const kill = async () => {
    cri.close();
    if (!exited) daemon.kill("SIGKILL"); // --kill-child: containerd, pid 1 of its namespace, dies, and every shim and container with it
    for (let i = 0; i < 100 && !exited; i++) await sleep(50);
    removeNewCgroups(cgroupsBefore);
    hostNs.remove();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`containerd exited at start:\n${log()}`);
      if (existsSync(join(dir, "containerd.sock"))) {
        try {
          await cri.version();
          break;
        } catch {
          // the CRI plugin is still loading
        }
      }
      if (Date.now() > deadline) throw new Error(`containerd's CRI did not answer in ${START_TIMEOUT_MS} ms:\n${log()}`);
      await sleep(100);
    }
    const ctr = spawnSync("ctr", ["--address", join(dir, "containerd.sock"), "-n", "k8s.io", "images", "import", "--snapshotter", "overlayfs", image], {
      encoding: "utf8", timeout: START_TIMEOUT_MS,
    });
    if (ctr.status !== 0) throw new Error(`ctr images import exited ${ctr.status}: ${ctr.stderr}${ctr.error ?? ""}`);
  } catch (e) {
    await kill();
    throw e;
  }

  return {
    dir, hostNs, auditLog, cri, log,
    inside: (path) => {
      const pid = containerdPid();
      return pid === undefined ? undefined : `/proc/${pid}/root${path}`;
    },
    podNetnsMounts: () => {
      const pid = containerdPid();
      if (pid === undefined) return [];
      // netns_mounts_under_state_dir: <state>/io.containerd.grpc.v1.cri/netns/cni-<uuid>.
      // mountinfo: "id parent maj:min root mountpoint ... - fstype ...".
      return readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n")
        .map((l) => l.split(" "))
        .filter((f) => f[4]?.startsWith(`${join(dir, "state")}/`) && f[f.indexOf("-") + 1] === "nsfs")
        .map((f) => f[4]!);
    },
    dispose: async () => {
      if (!exited) {
        try {
          for (const pod of await cri.listPodSandbox()) {
            await cri.stopPodSandbox(pod.id).catch(() => undefined);
            await cri.removePodSandbox(pod.id).catch(() => undefined);
          }
        } catch {
          // containerd is not answering: killing it below still removes its namespaces
        }
      }
      await kill();
    },
  };
}

const firstLine = (s: string) => s.trim().split("\n").find((l) => l.trim() !== "") ?? "(no output)";

/** Why containerd's CRI cannot be driven here, or undefined when it can: a missing binary only. */
export function containerdSkipReason(): string | undefined {
  const install = "apt-get install containerd runc busybox-static (.ci/run installs them)";
  for (const [cmd, args] of [["containerd", ["--version"]], ["ctr", ["--version"]], ["runc", ["--version"]], ["unshare", ["--version"]], ["nsenter", ["--version"]]] as const) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.error) return `\`${cmd} ${args.join(" ")}\`: ${r.error.message}; ${install}`;
    if (r.status !== 0) return `\`${cmd} ${args.join(" ")}\` exited ${r.status}: ${firstLine(r.stderr)}`;
  }
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing; ${install}`;
  if (!isStaticElf(BUSYBOX)) return `${BUSYBOX} is dynamically linked; install busybox-static`;
  return undefined;
}
