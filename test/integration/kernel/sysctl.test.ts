import { describe, expect, it } from "vitest";
import { NetnsHandle } from "../../../host/kernel/netns";
import { sysctlGet, sysctlSet } from "../../../host/kernel/sysctl";
import { freshNs, native } from "./fixture";

describe("sysctl", () => {
  it("sysctlSet changes the value in the namespace and not in the sandbox's own", () => {
    const a = freshNs();
    const cur = NetnsHandle.current(native);
    try {
      const before = sysctlGet(cur, "net.ipv4.ip_forward");
      sysctlSet(a.ns, "net.ipv4.ip_forward", before === "1" ? "0" : "1");
      expect(sysctlGet(a.ns, "net.ipv4.ip_forward")).toBe(before === "1" ? "0" : "1");
      expect(a.test.exec("sysctl", ["-n", "net.ipv4.ip_forward"]).trim()).toBe(before === "1" ? "0" : "1");
      expect(sysctlGet(cur, "net.ipv4.ip_forward")).toBe(before);
    } finally {
      cur.close();
    }
  });

  it("sysctlSet sets a per-interface key of a link in the namespace", () => {
    const a = freshNs();
    sysctlSet(a.ns, "net.ipv6.conf.lo.disable_ipv6", "1");
    expect(sysctlGet(a.ns, "net.ipv6.conf.lo.disable_ipv6")).toBe("1");
  });

  it("sysctlGet returns ENOENT for an unknown key", () => {
    const a = freshNs();
    expect(() => sysctlGet(a.ns, "net.ipv4.no_such_key")).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });

  it("sysctlGet rejects keys outside net.* or with path tricks with EINVAL", () => {
    const a = freshNs();
    for (const key of ["kernel.hostname", "net..ipv4", "net.ipv4/../../x", "net.IPV4.x", "net"]) {
      expect(() => sysctlGet(a.ns, key), key).toThrow(expect.objectContaining({ code: "EINVAL" }));
    }
  });

  it("sysctlSet returns EINVAL for a value the kernel refuses", () => {
    const a = freshNs();
    expect(() => sysctlSet(a.ns, "net.ipv4.ip_forward", "x")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});
