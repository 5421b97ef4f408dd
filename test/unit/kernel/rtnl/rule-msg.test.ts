// fib_rule_hdr and FRA_* (host/kernel/rtnl/rule-msg.ts): what a request packs, parseRule reads
// back from the same bytes as a kernel reply carries them, every field and the raw message kept.
import { describe, expect, it } from "vitest";
import { writeAttr, attrSpace } from "../../../../host/kernel/nl/attr";
import type { NlMessage } from "../../../../host/kernel/nl/message";
import { FR_ACT, fibRuleHdr, parseRule, type Rule, ruleAttrs } from "../../../../host/kernel/rtnl/rule-msg";

/** A reply message whose payload is the header and attributes a request of `r` carries. */
function reply(r: Rule): NlMessage {
  const attrs = ruleAttrs(r);
  const hdr = fibRuleHdr(r, r.action);
  const payload = new Uint8Array(hdr.length + attrs.reduce((n, a) => n + attrSpace(a), 0));
  payload.set(hdr);
  let off = hdr.length;
  for (const a of attrs) off = writeAttr(payload, off, a);
  return { header: { type: 32, flags: 0, seq: 0, pid: 0, len: 16 + payload.length }, payload } as unknown as NlMessage;
}

describe("rule messages", () => {
  it.each<[string, Rule]>([
    ["every selector, a table above 255", { family: 4, priority: 1000, src: "10.1.0.0/24", dst: "10.2.0.0/16", iif: "p0", oif: "p1", fwmark: 16, fwmask: 255, table: 1000, action: FR_ACT.TO_TBL }],
    ["an IPv6 source, a table in the header", { family: 6, src: "fd00::2/128", table: 101, action: FR_ACT.TO_TBL }],
    ["an inverted prohibit rule", { family: 4, priority: 500, src: "10.9.0.0/16", table: 0, action: FR_ACT.PROHIBIT, invert: true }],
  ])("%s reads back as it was packed", (_what, r) => {
    const m = reply(r);
    const { raw, ...parsed } = parseRule(m)!;
    expect(parsed).toEqual(r);
    expect(raw).toEqual(m.payload);
  });

  it("a family other than IPv4 and IPv6 is skipped", () => {
    const m = reply({ family: 4, action: FR_ACT.TO_TBL, table: 254 });
    m.payload[0] = 7; // AF_BRIDGE
    expect(parseRule(m)).toBeUndefined();
  });
});
