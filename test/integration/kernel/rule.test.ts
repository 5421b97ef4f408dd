// kernel/rtnl/rule.ts against this kernel: what ruleAdd makes is what `ip rule` shows, ruleList
// reads it back field for field, ruleDel matches as iproute2's delete does, ruleRestore puts a
// listed rule back exactly (attributes we do not read included).
import { describe, expect, it } from "vitest";
import { Errno, KernelError } from "../../../host/kernel/errors";
import { FR_ACT, ruleAdd, ruleDel, ruleList, ruleRestore } from "../../../host/kernel/rtnl/rule";
import { freshNs } from "./fixture";

const lines = (a: ReturnType<typeof freshNs>, family: "-4" | "-6") => a.test.exec("ip", [family, "rule", "show"]).trim().split("\n").map((l) => l.trim());

describe("rule", () => {
  it("ruleAdd makes what ip rule shows, and ruleList reads every field back", () => {
    const a = freshNs();
    ruleAdd(a.h, { family: 4, priority: 1000, src: "10.1.0.0/24", dst: "10.2.0.0/16", iif: "v0", oif: "v1", fwmark: 0x10, fwmask: 0xff, table: 1000, action: FR_ACT.TO_TBL });
    ruleAdd(a.h, { family: 4, priority: 500, src: "10.9.0.0/16", action: FR_ACT.PROHIBIT, invert: true });
    ruleAdd(a.h, { family: 6, src: "fd00::2/128", table: 101, action: FR_ACT.TO_TBL });
    expect(lines(a, "-4")).toEqual([
      "0:\tfrom all lookup local",
      "500:\tnot from 10.9.0.0/16 prohibit",
      "1000:\tfrom 10.1.0.0/24 to 10.2.0.0/16 fwmark 0x10/0xff iif v0 [detached] oif v1 [detached] lookup 1000",
      "32766:\tfrom all lookup main",
      "32767:\tfrom all lookup default",
    ]);
    expect(lines(a, "-6")).toEqual(["0:\tfrom all lookup local", "32765:\tfrom fd00::2 lookup 101", "32766:\tfrom all lookup main"]);
    const listed = ruleList(a.h).map(({ raw: _, ...r }) => r);
    expect(listed).toContainEqual({
      family: 4, priority: 1000, src: "10.1.0.0/24", dst: "10.2.0.0/16", iif: "v0", oif: "v1", fwmark: 0x10, fwmask: 0xff, table: 1000, action: FR_ACT.TO_TBL,
    });
    expect(listed).toContainEqual({ family: 4, priority: 500, src: "10.9.0.0/16", action: FR_ACT.PROHIBIT, invert: true, table: 0 });
    expect(listed).toContainEqual({ family: 6, priority: 32765, src: "fd00::2/128", table: 101, action: FR_ACT.TO_TBL });
    expect(listed).toContainEqual({ family: 4, priority: 32766, table: 254, action: FR_ACT.TO_TBL });
  });

  it("ruleAdd of the same rule is EEXIST; ruleDel without a table or priority matches it; a second ruleDel is ENOENT", () => {
    const a = freshNs();
    const r = { family: 4 as const, priority: 100, src: "10.1.0.2/32", table: 100, action: FR_ACT.TO_TBL };
    ruleAdd(a.h, r);
    expect(() => ruleAdd(a.h, r)).toThrow(expect.objectContaining({ errno: Errno.EEXIST }));
    ruleDel(a.h, { family: 4, src: "10.1.0.2/32", action: FR_ACT.TO_TBL });
    expect(ruleList(a.h, 4).some((x) => x.src === "10.1.0.2/32")).toBe(false);
    let e: unknown;
    try {
      ruleDel(a.h, r);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(KernelError);
    expect((e as KernelError).errno).toBe(Errno.ENOENT);
  });

  it("ruleRestore puts a listed rule back exactly, with attributes ruleList does not read (protocol, suppress_prefixlength)", () => {
    const a = freshNs();
    a.test.exec("ip", ["rule", "add", "pref", "200", "from", "10.5.0.0/16", "lookup", "main", "suppress_prefixlength", "0", "protocol", "static"]);
    const before = ruleList(a.h, 4);
    const rule = before.find((r) => r.priority === 200)!;
    const shown = lines(a, "-4");
    ruleDel(a.h, rule);
    expect(lines(a, "-4")).not.toEqual(shown);
    ruleRestore(a.h, rule);
    expect(lines(a, "-4")).toEqual(shown);
    expect(a.test.exec("ip", ["-d", "rule", "show", "pref", "200"])).toContain("proto static");
  });
});
