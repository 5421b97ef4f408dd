/**
 * What a spare does before it waits for a call: compile every installed plugin, then run real
 * bridge + host-local ADD, CHECK and DEL calls (dual stack, and IPv4 only) in two network
 * namespaces of its own, through the very function a call runs (`runCall`: process-call.ts's
 * runCniCall), so that the host's code a call runs has been run (V8 compiles it and learns its
 * types then: ~15 ms of a cold call). The namespaces are new and unnamed, the IPAM state goes
 * to a directory of this spare's in the spares' directory (removed after, and by the
 * supervisor if the spare dies first), and nothing is audited: the warm-up changes nothing
 * outside itself.
 */
import { closeSync, fstatSync, mkdirSync, openSync, rmSync, statSync } from "node:fs";
import type { CliIo } from "../cli/plugin-runner";
import type { NativeApi } from "../kernel/native";
import { keepCompiled } from "../runtime/load-component";
import { listPlugins, resolvePlugin } from "../runtime/plugin-dir";

/** Runs one CNI call with this io as a call of the process runs, but with the built-in grants and no audit; its exit code. */
export type WarmUpCall = (io: CliIo) => Promise<number>;

const THREAD_NETNS = "/proc/thread-self/ns/net";
/**
 * V8 optimizes a function only after it has run a while, and in the background: a small
 * function that a call runs a few times is optimized after ~100-150 calls. A process fresh
 * from 3 rounds spent ~30% more CPU per call over its next 50 calls than after 200, a fifth of
 * it in the optimizing compiler's threads. Six runs of 20 bridge ADDs at once on a fresh pool of
 * 4 (from a shell, twice each): after 15 rounds, the second run took 170-178 ms and the others
 * 87-121; after 30, all took 83-116 ms. The price: ~1 s of CPU per process, at the
 * supervisor's low priority; a pool of 4 is ready ~2.5 s after `serve` starts on 2 cores.
 */
const WARM_UP_ROUNDS = 30;

export async function warmUp(native: NativeApi, pluginDir: string, dataDir: string, log: (line: string) => void, runCall: WarmUpCall): Promise<void> {
  for (const name of listPlugins(pluginDir)) {
    try {
      keepCompiled(resolvePlugin(pluginDir, name));
    } catch (e) {
      log(`plugin ${name} does not compile; its calls will report why: ${(e as Error).message}`);
    }
  }
  if (!listPlugins(pluginDir).includes("bridge")) return;
  try {
    await inPrivateNamespaces(native, (containerNetns) => exercise(runCall, pluginDir, dataDir, containerNetns));
  } catch (e) {
    log(`the warm-up call failed (calls still work, a few ms slower): ${(e as Error).message}`);
  }
}

/**
 * Runs fn with the thread in a new netns (the call's host netns) and the path of another new
 * one (its container netns), then returns to the original netns; both vanish with their last fd.
 */
async function inPrivateNamespaces(native: NativeApi, fn: (containerNetns: string) => Promise<void>): Promise<void> {
  const home = openSync(THREAD_NETNS, "r");
  const fds: number[] = [];
  try {
    native.unshareNet();
    const host = openSync(THREAD_NETNS, "r");
    fds.push(host);
    native.unshareNet();
    const container = openSync(THREAD_NETNS, "r");
    fds.push(container);
    native.setns(host);
    await fn(`/proc/${process.pid}/fd/${container}`);
  } finally {
    try {
      native.setns(home);
    } catch {
      // Serving calls from the wrong netns would change the wrong network: stop here.
      process.abort();
    }
    const now = statSync(THREAD_NETNS);
    const was = fstatSync(home);
    if (now.ino !== was.ino || now.dev !== was.dev) process.abort();
    for (const fd of [...fds, home]) closeSync(fd);
  }
}

async function exercise(runCall: WarmUpCall, pluginDir: string, dataDir: string, containerNetns: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    // Dual stack and IPv4 only, the two shapes most networks have: code V8 optimized for one
    // shape is dropped when the other comes. Measured before the warm-up took this path and
    // both shapes: 20 IPv4 ADDs at once on a pool fresh from warming up took 108-145 ms, and
    // 96-132 ms once its processes had served real IPv4 calls (interleaved runs).
    const ranges = [[[{ subnet: "10.255.0.0/24" }], [{ subnet: "fd00:ffff::/64" }]], [[{ subnet: "10.255.1.0/24" }]]];
    const configs = ranges.map((r, i) => JSON.stringify({
      cniVersion: "1.1.0",
      name: `wasm-cni-warm-up-${i}`,
      type: "bridge",
      bridge: `warmup${i}`,
      isGateway: true,
      ipam: { type: "host-local", dataDir, ranges: r, ...(i === 0 && { routes: [{ dst: "0.0.0.0/0" }] }) },
    }));
    const env = { CNI_CONTAINERID: "wasm-cni-warm-up", CNI_NETNS: containerNetns, CNI_IFNAME: "eth0", CNI_PATH: "/nonexistent", WASM_CNI_PLUGIN_DIR: pluginDir };
    let prevResult: unknown;
    const call = async (command: string, stdin: string): Promise<void> => {
      const out: string[] = [];
      const io = { argv0: "bridge", env: { ...env, CNI_COMMAND: command }, stdin: () => Buffer.from(stdin), stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s) };
      if ((await runCall(io)) !== 0) throw new Error(`${command}: ${out.join("").slice(0, 300)}`);
      if (command === "ADD") prevResult = JSON.parse(out.join(""));
    };
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      for (const config of configs) {
        await call("ADD", config);
        await call("CHECK", JSON.stringify({ ...JSON.parse(config), prevResult }));
        await call("DEL", config);
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
