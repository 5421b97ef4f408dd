// The owner tag of a firewall rule (host/caps/firewall.ts ownerTag): what a DEL or GC matches
// to remove exactly one attachment's rules, within nft's 127-byte comment.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { networkTag, ownerTag } from "../../../host/caps/firewall";

describe("firewall owner tags", () => {
  it("a short network name and container id are kept whole", () => {
    expect(ownerTag("web", "ctr1", "eth0")).toBe("web:ctr1/eth0");
  });

  it("a 64-hex Kubernetes id becomes its first 12 bytes, ~ and 19 hex of its sha256: 32 bytes, the same every time", () => {
    const id = "f".repeat(12) + "0123456789abcdef".repeat(3) + "0123";
    const want = `${id.slice(0, 12)}~${createHash("sha256").update(id).digest("hex").slice(0, 19)}`;
    expect(ownerTag("k8s-pod-network", id, "eth0")).toBe(`k8s-pod-network:${want}/eth0`);
    expect(want).toHaveLength(32);
  });

  it("a long network name becomes 23 bytes: 8, ~ and 14 hex", () => {
    const name = "a-network-name-much-longer-than-23";
    expect(networkTag(name)).toBe(`${name.slice(0, 8)}~${createHash("sha256").update(name).digest("hex").slice(0, 14)}`);
  });
});
