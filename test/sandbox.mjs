#!/usr/bin/env node
// Runs a command (vitest) inside a network and mount namespace made for this test run, so
// that no test can touch the machine's own interfaces, routes, firewall or CNI state.
//   node test/sandbox.mjs vitest run [...]
// Inside: /run/netns, /var/lib/cni, /run/cni, /run/wasm-cni (the prestarted host's spares) and
// /var/run/netns are fresh tmpfs mounts, lo is up.
import { spawnSync, execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error("usage: node test/sandbox.mjs <command> [args...]");
  process.exit(2);
}

if (process.env.WASM_CNI_SANDBOX !== "1") {
  if (process.getuid?.() !== 0) {
    console.error("test/sandbox.mjs: the sandbox tier creates network namespaces and needs root (run as root or in CI); `npm run test:unit` needs no root");
    process.exit(2);
  }
  const hostNetns = readlinkSync("/proc/self/ns/net");
  const r = spawnSync(
    "unshare",
    ["--net", "--mount", "--propagation", "private", "--", process.execPath, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, WASM_CNI_SANDBOX: "1", WASM_CNI_OUTER_NETNS: hostNetns } },
  );
  process.exit(r.status ?? 1);
}

// Inside the fresh namespaces.
if (readlinkSync("/proc/self/ns/net") === process.env.WASM_CNI_OUTER_NETNS) {
  console.error("test/sandbox.mjs: still in the machine's network namespace; refusing to run");
  process.exit(2);
}
for (const dir of ["/run/netns", "/var/lib/cni", "/run/cni", "/run/wasm-cni"]) {
  execFileSync("mkdir", ["-p", dir]);
  execFileSync("mount", ["-t", "tmpfs", "-o", dir === "/run/wasm-cni" ? "mode=0700" : "mode=0755", "tmpfs", dir]);
}
execFileSync("ip", ["link", "set", "lo", "up"]);
const r = spawnSync(cmd === "vitest" ? "npx" : cmd, cmd === "vitest" ? ["vitest", ...args] : args, {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
