// The one image of the containerd e2e test, built here because no registry can be reached: a
// docker-archive tar (what `docker save` writes, what `ctr images import` reads) of Debian's
// static busybox with its applet links, a `/pause` that sleeps until it is told to stop (the
// pod's sandbox process: the image is the CRI's `sandbox_image`), and a page for `httpd`.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Debian's busybox-static: runs in a rootfs that holds nothing else. */
export const BUSYBOX = "/bin/busybox";
/** Its name carries a domain, so the CRI uses it as is (no docker.io/library/ prefix). */
export const IMAGE_REF = "wasm-cni.test/busybox:1";
/** What the image's httpd serves at /index.html (`httpd -h /www`). */
export const PAGE = "served by a busybox httpd in a containerd pod\n";

// pid 1 of a container gets no default signal handlers: without the trap a TERM would be ignored.
const PAUSE = [
  "#!/bin/busybox sh",
  "# The pod's sandbox process: holds the pod's namespaces and sleeps until told to stop.",
  "trap 'exit 0' TERM INT",
  "while :; do /bin/busybox sleep 3600 & wait $!; done",
  "",
].join("\n");

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** GNU tar, reproducible: root-owned, sorted, mtime 0. */
function tar(cwd: string, out: string, entries: string[]): void {
  execFileSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", cwd, "-cf", out, ...entries]);
}

/** Writes `<dir>/image.tar` and returns its path. `dir` must be empty. */
export function buildBusyboxImage(dir: string): string {
  const rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  mkdirSync(join(rootfs, "www"));
  copyFileSync(BUSYBOX, join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  const applets = execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a !== "" && a !== "busybox");
  for (const a of applets) symlinkSync("busybox", join(rootfs, "bin", a));
  writeFileSync(join(rootfs, "pause"), PAUSE, { mode: 0o755 });
  writeFileSync(join(rootfs, "www/index.html"), PAGE);

  const archive = join(dir, "archive");
  mkdirSync(archive);
  const layerTmp = join(dir, "layer.tar");
  tar(rootfs, layerTmp, ["bin", "pause", "www"]);
  const layer = readFileSync(layerTmp);
  const layerId = sha256(layer);
  mkdirSync(join(archive, layerId));
  writeFileSync(join(archive, layerId, "layer.tar"), layer);

  const config = JSON.stringify({
    architecture: process.arch === "x64" ? "amd64" : process.arch,
    os: "linux",
    config: { Entrypoint: ["/pause"], Env: ["PATH=/bin"], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: [`sha256:${layerId}`] },
    history: [{ created_by: "test/e2e/cri/image.ts" }],
  });
  const configName = `${sha256(config)}.json`;
  writeFileSync(join(archive, configName), config);
  writeFileSync(join(archive, "manifest.json"), JSON.stringify([{ Config: configName, RepoTags: [IMAGE_REF], Layers: [`${layerId}/layer.tar`] }]));

  const out = join(dir, "image.tar");
  tar(archive, out, ["manifest.json", configName, layerId]);
  return out;
}
