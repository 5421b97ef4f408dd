import { describe, expect, it } from "vitest";
import { errnoName, KernelError, LinkNotFoundError, NetnsGoneError } from "../../../host/kernel/errors";

describe("kernel/errors", () => {
  it.each([
    [new KernelError("add 10.1.0.2/24 to eth0", 17), KernelError, "EEXIST", "add 10.1.0.2/24 to eth0: EEXIST (File exists)"],
    [new KernelError("add route default", 19, "Nexthop device required for onlink"), KernelError, "ENODEV", "add route default: ENODEV (No such device): Nexthop device required for onlink"],
    [new LinkNotFoundError("set eth0 up", "eth0"), LinkNotFoundError, "ENODEV", "set eth0 up: ENODEV (No such device)"],
    [new NetnsGoneError("/run/netns/x"), NetnsGoneError, "ENOENT", "open netns /run/netns/x: ENOENT (No such file or directory)"],
  ])("%s has its class, code and message", (err, cls, code, message) => {
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(KernelError);
    expect(err).toMatchObject({ code, message });
  });

  it("errnoName names common errnos and falls back to Node's table, then E<n>", () => {
    expect([1, 3, 16, 22, 95, 99, 101].map(errnoName)).toEqual(["EPERM", "ESRCH", "EBUSY", "EINVAL", "EOPNOTSUPP", "EADDRNOTAVAIL", "ENETUNREACH"]);
    expect(errnoName(32)).toBe("EPIPE");
    expect(errnoName(4000)).toBe("E4000");
  });

  it("fromNative keeps the cause and turns node:fs's negative errno positive", () => {
    const fsErr = Object.assign(new Error("EACCES: permission denied"), { errno: -13, code: "EACCES" });
    const err = KernelError.fromNative("open /proc/sys/net/x", fsErr);
    expect(err).toMatchObject({ code: "EACCES", errno: 13, cause: fsErr });
    const plain = new TypeError("boom");
    expect(KernelError.fromNative("op", plain)).toBe(plain);
  });
});
