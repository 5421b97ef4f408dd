import { describe, expect, it } from "vitest";
import { vtepMac } from "../../../host/cluster/vtep-mac";

describe("vtepMac", () => {
  it("is stable per node name, differs between names, unicast and locally administered", () => {
    const names = ["node1", "node2", "worker-17.example", "a"];
    const macs = names.map(vtepMac);
    expect(macs).toEqual(names.map(vtepMac));
    expect(new Set(macs).size).toBe(names.length);
    for (const mac of macs) {
      expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      const first = parseInt(mac.slice(0, 2), 16);
      expect(first & 0x01).toBe(0); // unicast
      expect(first & 0x02).toBe(2); // locally administered
    }
  });
});
