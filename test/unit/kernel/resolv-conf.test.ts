import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseResolvConf, readResolvConf } from "../../../host/kernel/resolv-conf";
import { ROOT } from "../../helpers/fixtures";

const FIXTURE = join(ROOT, "test/fixtures/dns/resolv.conf");

describe("resolv.conf", () => {
  it("parseResolvConf keeps nameservers in order, the last domain, every search and options word, and skips comments and one-word lines", () => {
    expect(readResolvConf(FIXTURE)).toEqual({
      nameservers: ["10.0.0.53", "fd00::53"],
      domain: "example.com",
      search: ["a.example", "b.example", "c.example"],
      options: ["ndots:2", "timeout:1", "rotate"],
    });
  });

  it("parseResolvConf of an empty text is empty settings", () => {
    expect(parseResolvConf("")).toEqual({ nameservers: [], domain: "", search: [], options: [] });
  });

  it("readResolvConf of a missing file throws ENOENT naming the path", () => {
    expect(() => readResolvConf("/nonexistent/resolv.conf")).toThrow(
      expect.objectContaining({ code: "ENOENT", message: "read resolv.conf /nonexistent/resolv.conf: ENOENT (No such file or directory)" }),
    );
  });

  it("readResolvConf refuses a file that is not regular (a device would never end) with EINVAL", () => {
    expect(() => readResolvConf("/dev/zero")).toThrow(expect.objectContaining({ code: "EINVAL", message: expect.stringContaining("not a regular file") }));
    expect(() => readResolvConf("/tmp")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("readResolvConf refuses a file over the size cap with EINVAL and takes one at the cap", () => {
    const dir = mkdtempSync(join(tmpdir(), "resolv-"));
    const at = join(dir, "at"), over = join(dir, "over");
    const line = "nameserver 10.0.0.1\n";
    writeFileSync(at, line.padEnd(100, "#"));
    writeFileSync(over, line.padEnd(101, "#"));
    expect(readResolvConf(at, 100).nameservers).toEqual(["10.0.0.1"]);
    expect(() => readResolvConf(over, 100)).toThrow(expect.objectContaining({ code: "EINVAL", message: expect.stringContaining("larger than 100 bytes") }));
  });
});
