// A podman of the test's own: every file podman writes (storage, runroot, runc state, locks,
// events, network configs) lives in one temp dir, and every container's host side (bridge,
// host veths) lives in a netns the test makes, so nothing outside the run's sandbox changes and
// parallel test files never see our bridge. The containers' netns are podman's own, bind-mounted
// in /run/netns (a tmpfs of the sandbox); IPAM state and libcni's cache go to /var/lib/cni (also
// a tmpfs of the sandbox), where a runtime's would.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetns, type TestNetns } from "../helpers/netns";
import { isStaticElf } from "../helpers/static-elf";

/** Debian's busybox-static: the whole container image, copied in as a rootfs (no registry here). */
const BUSYBOX = "/bin/busybox";
const PODMAN_TIMEOUT_MS = 20_000;
/** containers.conf's default conmon PATH. */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const auditLogOf = (dir: string) => join(dir, "audit.log");

export interface PodmanResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface PodmanEnv {
  dir: string;
  /** The netns holding the host side: podman, conmon and the CNI plugins run in it. */
  hostNs: TestNetns;
  /** A directory holding bin/busybox, given to `podman run --rootfs`. */
  rootfs: string;
  auditLog: string;
  /** `podman ...args` inside hostNs, with the test's containers.conf and storage.conf. */
  run(args: string[]): PodmanResult;
  /** As run(), but throws with the command and podman's stderr unless it exits 0; returns stdout. */
  ok(args: string[]): string;
  /** `--ulimit` flags this sandbox can honour (see ulimitFlags). */
  ulimits: string[];
  /** Removes every container, the netns and the temp dir. */
  dispose(): void;
}

export interface PodmanOptions {
  /** Directories for containers.conf's cni_plugin_dirs; default an empty one (no plugin at all). */
  pluginDirs?: string[];
  /** file name (without .conflist) → conflist, written to the network config dir. */
  networks?: Record<string, unknown>;
  /** containers.conf's default_network: podman's own default ("podman") chains portmap, firewall and tuning. */
  defaultNetwork?: string;
}

/** The containers.conf a user would write, plus the paths that keep this podman inside `dir`. */
function containersConf(dir: string, pluginDirs: string[], defaultNetwork: string | undefined): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    "[network]",
    ...(defaultNetwork ? [`default_network = ${q(defaultNetwork)}`] : []),
    // podman 4 prefers netavark when it is installed (Debian installs it with podman).
    `network_backend = "cni"`,
    `cni_plugin_dirs = [${pluginDirs.map(q).join(", ")}]`,
    `network_config_dir = ${q(join(dir, "net"))}`,
    "[engine]",
    // crun cannot set rlimits in this sandbox (DESIGN.md); runc can, within the hard limits.
    `runtime = "runc"`,
    // No systemd here; cgroupfs writes only the container's own cgroup.
    `cgroup_manager = "cgroupfs"`,
    `events_logger = "file"`,
    `events_logfile_path = ${q(join(dir, "events.log"))}`,
    // The default shm locks live in /dev/shm, shared with any other podman on the machine.
    `lock_type = "file"`,
    `tmp_dir = ${q(join(dir, "tmp"))}`,
    `static_dir = ${q(join(dir, "storage", "libpod"))}`,
    `volume_path = ${q(join(dir, "storage", "volumes"))}`,
    `image_copy_tmp_dir = ${q(join(dir, "tmp"))}`,
    // conmon runs `podman container cleanup` when a container exits, and that one may make the
    // DEL; it gets CONTAINERS_CONF but not the rest of our environment, only these variables.
    `conmon_env_vars = [${[`PATH=${DEFAULT_PATH}`, `WASM_CNI_AUDIT_LOG=${auditLogOf(dir)}`].map(q).join(", ")}]`,
    "[engine.runtimes]",
    // runc keeps its state in /run/runc (the machine's /run) unless told --root. `podman
    // --runtime-flag` would not reach the runc calls of conmon's exit command; a runtime path does.
    `runc = [${q(join(dir, "runc-root-in-tmp"))}]`,
    "",
  ].join("\n");
}

/** vfs: an overlay mount on the sandbox's own (possibly overlay) /tmp is not guaranteed to work. */
function storageConf(dir: string): string {
  const q = (s: string) => JSON.stringify(s);
  return ["[storage]", `driver = "vfs"`, `graphroot = ${q(join(dir, "storage"))}`, `runroot = ${q(join(dir, "runroot"))}`, ""].join("\n");
}

/** The hard limits of this process, from /proc/self/limits ("Max open files  20000  20000  files"). */
function hardLimit(name: string): number {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === "unlimited" ? Number.POSITIVE_INFINITY : Number(hard);
}

/**
 * podman 4.3 run as root asks runc for RLIMIT_NOFILE 1048576 (and RLIMIT_NPROC up to its own
 * limit), with or without `--ulimit host`; raising a hard limit needs CAP_SYS_RESOURCE, which this
 * sandbox lacks, so runc fails: "error setting rlimit type 7: operation not permitted". Asking
 * for limits at or below the ones we have always works; a busybox needs few.
 */
function ulimitFlags(): string[] {
  const nofile = Math.min(1024, hardLimit("Max open files"));
  const nproc = Math.min(1024, hardLimit("Max processes"));
  return ["--ulimit", `nofile=${nofile}:${nofile}`, "--ulimit", `nproc=${nproc}:${nproc}`];
}

export function createPodmanEnv(opts: PodmanOptions): PodmanEnv {
  const dir = mkdtempSync(join(tmpdir(), "wasm-cni-podman-"));
  for (const sub of ["net", "tmp", "rootfs/bin", "no-plugins"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "containers.conf"), containersConf(dir, opts.pluginDirs ?? [join(dir, "no-plugins")], opts.defaultNetwork));
  writeFileSync(join(dir, "storage.conf"), storageConf(dir));
  for (const [name, conflist] of Object.entries(opts.networks ?? {})) {
    writeFileSync(join(dir, "net", `${name}.conflist`), JSON.stringify(conflist, null, 2));
  }
  copyFileSync(BUSYBOX, join(dir, "rootfs/bin/busybox"));
  writeFileSync(join(dir, "runc-root-in-tmp"), `#!/bin/sh\nexec ${findRunc()} --root ${join(dir, "runc")} "$@"\n`, { mode: 0o755 });
  const hostNs = createNetns("pm");
  const auditLog = auditLogOf(dir);
  // What a runtime's environment would hold; not the test worker's (NODE_OPTIONS, VITEST...),
  // which podman would hand on to every plugin it execs.
  const env = {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    CONTAINERS_CONF: join(dir, "containers.conf"),
    CONTAINERS_STORAGE_CONF: join(dir, "storage.conf"),
    // Our host writes one line per CNI call it serves: the proof of who served podman's calls.
    WASM_CNI_AUDIT_LOG: auditLog,
  };
  const run = (args: string[]): PodmanResult => {
    // nsenter --net only: podman's netns bind mounts must land in the sandbox's /run/netns, which
    // `ip netns exec` (a mount namespace of its own per command) would hide from the next command.
    const r = spawnSync("nsenter", [`--net=${hostNs.path}`, "podman", ...args], {
      env, encoding: "utf8", timeout: PODMAN_TIMEOUT_MS,
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
  };
  const ok = (args: string[]): string => {
    const r = run(args);
    if (r.status !== 0) throw new Error(`podman ${args.join(" ")} exited ${r.status}:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  return {
    dir, hostNs, rootfs: join(dir, "rootfs"), auditLog, run, ok, ulimits: ulimitFlags(),
    dispose: () => {
      run(["rm", "--all", "--force", "--time", "0"]);
      hostNs.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** runc's absolute path, from PATH (Debian: /usr/sbin/runc). */
function findRunc(): string {
  for (const d of (process.env.PATH ?? DEFAULT_PATH).split(":")) if (d && existsSync(join(d, "runc"))) return join(d, "runc");
  return "/usr/sbin/runc";
}

const firstLine = (s: string) => s.trim().split("\n").find((l) => l.trim() !== "") ?? "(no output)";

/**
 * Why podman cannot run containers here, or undefined when it can. Each reason names the command
 * that failed and its error. Missing packages are reasons too: .ci/run installs them.
 */
export function podmanSkipReason(): string | undefined {
  const install = "apt-get install podman runc busybox-static (.ci/run installs them)";
  const v = spawnSync("podman", ["--version"], { encoding: "utf8" });
  if (v.error) return `\`podman --version\`: ${v.error.message}; ${install}`;
  const major = Number(/version (\d+)\./.exec(v.stdout)?.[1]);
  if (!(major <= 4)) return `${v.stdout.trim()}: podman 5 removed the CNI network backend`;
  const runc = spawnSync("runc", ["--version"], { encoding: "utf8" });
  if (runc.error) return `\`runc --version\`: ${runc.error.message}; ${install}`;
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing; ${install}`;
  if (!isStaticElf(BUSYBOX)) return `${BUSYBOX} is dynamically linked; install busybox-static`;
  // Can this sandbox run a container at all? --network none: no CNI plugin takes part, so a
  // failure here is the machine's (cgroups, rlimits, mounts), never the plugins'.
  const env = createPodmanEnv({});
  try {
    const args = ["run", "--rm", "--network", "none", ...env.ulimits, "--rootfs", env.rootfs, "/bin/busybox", "true"];
    const r = env.run(args);
    if (r.status !== 0) return `\`podman ${args.join(" ")}\` exited ${r.status}: ${firstLine(r.stderr)}`;
    const backend = env.run(["info", "--format", "{{.Host.NetworkBackend}}"]);
    if (backend.stdout.trim() !== "cni") return `podman's network backend is "${backend.stdout.trim()}", not cni: ${firstLine(backend.stderr)}`;
    return undefined;
  } finally {
    env.dispose();
  }
}
