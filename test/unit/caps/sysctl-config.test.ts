// The sysctl keys a config names for a grant with sysctlFromConfig (host/caps/sysctl-config.ts),
// and the key syntax under them (host/kernel/sysctl.ts sysctlKeyParts): pure, no kernel.
import { describe, expect, it } from "vitest";
import { canonicalKey, configKey, configSysctlKeys } from "../../../host/caps/sysctl-config";
import { sysctlKeyParts } from "../../../host/kernel/sysctl";

describe("sysctlKeyParts", () => {
  it("takes sysctl(8)'s two spellings, a dotted key in lower case or a slashed one whose parts may hold dots", () => {
    expect(sysctlKeyParts("net.ipv4.ip_forward")).toEqual(["net", "ipv4", "ip_forward"]);
    expect(sysctlKeyParts("net/ipv4/conf/eth0.100/forwarding")).toEqual(["net", "ipv4", "conf", "eth0.100", "forwarding"]);
    expect(sysctlKeyParts("net/ipv4/conf/Eth@0/forwarding")).toEqual(["net", "ipv4", "conf", "Eth@0", "forwarding"]);
  });

  it.each([
    "kernel.hostname", "net", "net.", "net..ipv4", "NET.ipv4.x", "net.ipv4/../../x", "net/../kernel/hostname", "net/./core", "net//core",
    "/net/core", "net/core/", "net.ipv4.conf.eth0/../../..", "net/a b", "net/a\0b", `net/${"x".repeat(65)}`, `net${"/x".repeat(16)}`,
  ])("refuses %j", (key) => {
    expect(sysctlKeyParts(key)).toBeNull();
  });
});

describe("the keys a config names", () => {
  it("reads keys as the reference does: every dot a slash, then the first IFNAME the call's ifname", () => {
    expect(configKey("net.core.somaxconn", "eth0")).toBe("net/core/somaxconn");
    expect(configKey("net.ipv4.conf.IFNAME.arp_filter", "eth0.100")).toBe("net/ipv4/conf/eth0.100/arp_filter");
    expect(configKey("net/ipv4/conf/IFNAME/arp_filter", "net1")).toBe("net/ipv4/conf/net1/arp_filter");
    expect(configKey("net.ipv4.conf.eth0/../../../kernel.hostname", "eth0")).toBeNull();
    expect(configKey("net.ipv4.conf.IFNAME.x", "..")).toBeNull();
    expect(canonicalKey("net.core.somaxconn")).toBe(canonicalKey("net/core/somaxconn"));
  });

  it("collects sysctl and args.cni.sysctl, skipping keys that leave net/ and configs that are not objects", () => {
    const config = JSON.stringify({
      sysctl: { "net.core.somaxconn": "1", "kernel.hostname": "x", "net.ipv4.conf.IFNAME.rp_filter": "2" },
      args: { cni: { sysctl: { "net/ipv4/tcp_syncookies": "0", "net/../kernel/x": "1" } } },
    });
    expect([...configSysctlKeys(config, "eth1")].sort()).toEqual(["net/core/somaxconn", "net/ipv4/conf/eth1/rp_filter", "net/ipv4/tcp_syncookies"]);
    expect(configSysctlKeys("[1]", "eth0").size).toBe(0);
    expect(configSysctlKeys('{"sysctl": ["net.core.somaxconn"]}', "eth0").size).toBe(0);
    expect(configSysctlKeys("not json", "eth0").size).toBe(0);
  });
});
