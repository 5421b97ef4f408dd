import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildConflist, writeConflist } from "../../../host/agent/conflist";

describe("conflist", () => {
  it("overlay: bridge cni0 as the pods' default gateway, mtu 50 below the underlay, host-local per subnet", () => {
    expect(buildConflist({ network: "overlay", name: "cluster", subnets: ["10.244.3.0/24", "fd00:10:0:3::/64"], underlayMtu: 1500, dataDir: "/d" })).toEqual({
      cniVersion: "1.0.0",
      name: "cluster",
      plugins: [{
        type: "bridge", bridge: "cni0", isGateway: true, isDefaultGateway: true, mtu: 1450,
        ipam: { type: "host-local", ranges: [[{ subnet: "10.244.3.0/24" }], [{ subnet: "fd00:10:0:3::/64" }]], dataDir: "/d" },
      }],
    });
  });

  it("routed: type routed at the underlay's mtu, the same host-local", () => {
    expect(buildConflist({ network: "routed", name: "c", subnets: ["10.244.3.0/24"], underlayMtu: 9000 })).toEqual({
      cniVersion: "1.0.0",
      name: "c",
      plugins: [{ type: "routed", mtu: 9000, ipam: { type: "host-local", ranges: [[{ subnet: "10.244.3.0/24" }]] } }],
    });
  });

  it("writeConflist writes only when the text changes, and leaves no temp file", () => {
    const dir = mkdtempSync(join(tmpdir(), "conflist-"));
    try {
      const path = join(dir, "net.d", "10-wasm-cni.conflist");
      const read = (p: string): string | undefined => { try { return readFileSync(p, "utf8"); } catch { return undefined; } };
      const c = { network: "routed" as const, name: "c", subnets: ["10.244.3.0/24"], underlayMtu: 1500 };
      expect(writeConflist(path, c, read)).toBe(true);
      expect(writeConflist(path, c, read)).toBe(false);
      expect(writeConflist(path, { ...c, underlayMtu: 1400 }, read)).toBe(true);
      expect(JSON.parse(read(path)!).plugins[0].mtu).toBe(1400);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
