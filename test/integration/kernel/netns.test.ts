import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NetnsGoneError } from "../../../host/kernel/errors";
import { NetnsHandle } from "../../../host/kernel/netns";
import { RtnlHandle } from "../../../host/kernel/rtnl/handle";
import { linkAddVeth, linkList } from "../../../host/kernel/rtnl/link";
import { createNetns } from "../../helpers/netns";
import { freshNs, native } from "./fixture";

describe("netns", () => {
  it("NetnsHandle.open throws NetnsGoneError for a removed namespace", () => {
    const t = createNetns("gone");
    t.remove();
    const err = (() => { try { NetnsHandle.open(native, t.path); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(NetnsGoneError);
    expect(err).toMatchObject({ code: "ENOENT", path: t.path });
  });

  it("NetnsHandle.open throws EINVAL for a file that is not a namespace", () => {
    writeFileSync("/run/netns/plain-file", "");
    expect(() => NetnsHandle.open(native, "/run/netns/plain-file")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("NetnsHandle.open throws EINVAL at once for a FIFO (no blocking open), a socket and a directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasm-cni-netns-"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    execFileSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", join(dir, "sock")]);
    for (const path of [join(dir, "fifo"), join(dir, "sock"), dir]) {
      expect(() => NetnsHandle.open(native, path)).toThrow(
        expect.objectContaining({ code: "EINVAL", message: expect.stringMatching(/not a network namespace \(not a namespace file\)/) }),
      );
    }
  });

  it("NetnsHandle.open throws EINVAL for a namespace of another kind, before anything can use it", () => {
    expect(() => NetnsHandle.open(native, "/proc/self/ns/mnt")).toThrow(
      expect.objectContaining({ code: "EINVAL", message: expect.stringMatching(/not a network namespace/) }),
    );
  });

  it("handles on the same namespace have the same id, and current() is the sandbox's netns", () => {
    const a = freshNs();
    const again = NetnsHandle.open(native, a.test.path);
    const cur = NetnsHandle.current(native);
    try {
      expect(again.id()).toBe(a.ns.id());
      expect(cur.id()).not.toBe(a.ns.id());
    } finally {
      again.close();
      cur.close();
    }
  });

  it("a handle keeps acting in its namespace after another handle was opened elsewhere", () => {
    const a = freshNs();
    const b = freshNs();
    linkAddVeth(a.h, { name: "only-a", peerName: "only-a1" });
    expect(linkList(a.h).map((l) => l.name)).toContain("only-a");
    expect(linkList(b.h).map((l) => l.name)).toEqual(["lo"]);
    const cur = NetnsHandle.current(native);
    const h = RtnlHandle.openAt(cur);
    try {
      expect(linkList(h).map((l) => l.name)).not.toContain("only-a");
    } finally {
      h.close();
      cur.close();
    }
  });
});
