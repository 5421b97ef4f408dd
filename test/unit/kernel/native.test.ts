import { execFileSync, spawn } from "node:child_process";
import { openSync, closeSync, fstatSync, mkdtempSync, readdirSync, readlinkSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNative } from "../../../host/kernel/native";

describe("kernel/native", () => {
  it("loadNative finds the addon from host/kernel and from dist/", () => {
    expect(Object.keys(loadNative()).sort()).toEqual([
      "accept", "close", "dup2", "flock", "linkDelete", "netlinkSocket", "nsOpen", "openFds", "peerUid", "recv", "recvMsg", "send", "sendMsg", "setns",
      "tapCreate", "unixConnect", "unixListen", "unshareNet", "waitReadable",
    ]);
    expect(typeof loadNative(resolve("dist")).flock).toBe("function");
  });

  it("openFds lists every open descriptor with what it is, as readlink of /proc/self/fd says", () => {
    const native = loadNative();
    const fd = openSync("/dev/zero", "r");
    try {
      const listed = native.openFds().split("\n").filter((l) => l !== "");
      const fromJs = readdirSync("/proc/self/fd").flatMap((n) => {
        try {
          return [`${n}=${readlinkSync(`/proc/self/fd/${n}`)}`];
        } catch {
          return []; // the descriptor readdir used
        }
      });
      expect(listed).toContain(`${fd}=/dev/zero`);
      expect(listed.sort()).toEqual(fromJs.filter((l) => !l.includes("/proc/") || listed.includes(l)).sort());
    } finally {
      closeSync(fd);
    }
    expect(native.openFds()).not.toContain(`${fd}=/dev/zero`);
  });

  it("waitReadable times out on time under a stream of signals: each one does not restart the wait", () => {
    const native = loadNative();
    const path = join(mkdtempSync(join(tmpdir(), "unix-")), "s.sock");
    const listener = native.unixListen(path, 4);
    // ~100 signals over a second or more, each interrupting poll(2) in this (blocked) thread.
    const ignore = (): void => {};
    process.on("SIGUSR2", ignore);
    const pinger = spawn("sh", ["-c", `i=0; while [ $i -lt 100 ] && kill -USR2 ${process.pid}; do i=$((i+1)); sleep 0.01; done`]);
    try {
      execFileSync("sleep", ["0.1"]); // the first signals are on their way
      const t0 = performance.now();
      expect(native.waitReadable(listener, 300)).toBe(false);
      expect(performance.now() - t0).toBeLessThan(700);
    } finally {
      pinger.kill();
      process.off("SIGUSR2", ignore);
      closeSync(listener);
    }
  });

  it("waitReadable(exclusive): of two processes waiting on one listening socket, a connection wakes one", async () => {
    const native = loadNative();
    const path = join(mkdtempSync(join(tmpdir(), "unix-")), "s.sock");
    const listener = native.unixListen(path, 4);
    const addon = resolve("native/build/Release/wasm_cni_native.node");
    // Each waits up to 1.5 s on the listener (its fd 3) and says whether it was woken.
    const waiter = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(addon)}); process.stdout.write("waiting\\n"); process.stdout.write(String(m.exports.waitReadable(3, 1500, true)));`;
    const run = (): Promise<string> => new Promise((done) => {
      const child = spawn(process.execPath, ["-e", waiter], { stdio: ["ignore", "pipe", "inherit", listener] });
      let out = "";
      child.stdout?.setEncoding("utf8").on("data", (d: string) => void (out += d));
      child.on("close", () => done(out.replace("waiting\n", "")));
    });
    try {
      const woken = [run(), run()];
      await new Promise((r) => setTimeout(r, 700)); // both are in epoll_wait
      const client = native.unixConnect(path);
      expect((await Promise.all(woken)).sort()).toEqual(["false", "true"]);
      closeSync(client);
    } finally {
      closeSync(listener);
    }
  });

  it("loadNative names the missing addon and the fix", () => {
    expect(() => loadNative("/nonexistent")).toThrow(/wasm_cni_native\.node not found near \/nonexistent: run `npm run build`/);
  });

  it("flock without wait returns false while another open file holds the lock", () => {
    const native = loadNative();
    const file = join(mkdtempSync(join(tmpdir(), "flock-")), "lock");
    const a = openSync(file, "w");
    const b = openSync(file, "r");
    try {
      expect(native.flock(a, "ex", false)).toBe(true);
      expect(native.flock(b, "sh", false)).toBe(false);
      expect(native.flock(a, "un", false)).toBe(true);
      expect(native.flock(b, "sh", false)).toBe(true);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });

  it("nsOpen opens a namespace file and says its type; anything else is [-1, 0] or the open's errno, never a blocking open", () => {
    const native = loadNative();
    const [fd, type] = native.nsOpen("/proc/self/ns/net");
    try {
      expect([fd >= 0, type]).toEqual([true, 0x40000000]); // CLONE_NEWNET
    } finally {
      closeSync(fd);
    }
    const [mnt, mntType] = native.nsOpen("/proc/self/ns/mnt");
    closeSync(mnt);
    expect(mntType).toBe(0x00020000); // CLONE_NEWNS
    expect(native.nsOpen(tmpdir())).toEqual([-1, 0]);
    expect(() => native.nsOpen("/nonexistent/ns")).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });

  it("addon errors carry the errno name as code", () => {
    const native = loadNative();
    expect(() => native.setns(-1)).toThrow(expect.objectContaining({ code: "EBADF", errno: 9 }));
    expect(() => native.flock(0, "xx" as "ex", false)).toThrow(TypeError);
  });

  it("Unix sockets: one message per send, file descriptors passed along, the peer's uid, hang-up reads as length 0", () => {
    const native = loadNative();
    const path = join(mkdtempSync(join(tmpdir(), "unix-")), "s.sock");
    const listener = native.unixListen(path, 4);
    const client = native.unixConnect(path);
    const server = native.accept(listener);
    const file = join(tmpdir(), `passed-${process.pid}`);
    writeFileSync(file, "through the socket");
    const passed = openSync(file, "r");
    try {
      expect(native.peerUid(server)).toBe(process.geteuid?.());
      expect(native.waitReadable(server, 0)).toBe(false);
      native.sendMsg(client, Buffer.from("one"), []);
      native.sendMsg(client, Buffer.from("two"), [passed]);
      const buf = new Uint8Array(16);
      expect(native.recvMsg(server, buf)).toEqual([3]);
      const [n, fd] = native.recvMsg(server, buf);
      expect([n, Buffer.from(buf.subarray(0, 3)).toString()]).toEqual([3, "two"]);
      expect(fstatSync(fd!).ino).toBe(fstatSync(passed).ino);
      const text = Buffer.alloc(18);
      readSync(fd!, text, 0, 18, 0);
      expect(text.toString()).toBe("through the socket");
      native.close(fd!);
      native.sendMsg(client, Buffer.alloc(32), []);
      expect(() => native.recvMsg(server, buf)).toThrow(expect.objectContaining({ code: "EMSGSIZE" }));
      native.close(client);
      expect(native.waitReadable(server, 1000)).toBe(true);
      expect(native.recvMsg(server, buf)).toEqual([0]);
    } finally {
      for (const fd of [server, listener, passed]) native.close(fd);
    }
    expect(() => native.unixConnect(path)).toThrow(expect.objectContaining({ code: "ECONNREFUSED" }));
    expect(() => native.unixConnect(`${path}.missing`)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(() => native.sendMsg(0, Buffer.alloc(1), [0, 1, 2, 3])).toThrow(TypeError);
    expect(() => native.unixListen("x".repeat(108), 1)).toThrow(TypeError);
  });
});
