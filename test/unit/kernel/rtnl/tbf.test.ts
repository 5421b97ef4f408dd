// host/kernel/rtnl/tbf.ts: tc's arithmetic (tc_core.c, q_tbf.c) with the kernel's tick.
import { describe, expect, it } from "vitest";
import { parsePsched, type Tbf, tbfProblem, xmitTime } from "../../../../host/kernel/rtnl/tbf";

describe("tbf arithmetic", () => {
  it("parsePsched reads /proc/net/psched as tc_core_init does: 15.625 ticks per microsecond on this kernel", () => {
    expect(parsePsched("000003e8 00000040 000f4240 3b9aca00\n")).toBe(15.625);
    // A clock resolution of 1 GHz: tc takes us2t for t2us.
    expect(parsePsched("000003e8 00000040 3b9aca00 3b9aca00")).toBe(1000);
  });

  it("xmitTime truncates as tc's unsigned arithmetic does (8 KiB at 10 Mbit/s: 6553 us, 102390 ticks)", () => {
    expect(xmitTime(1_250_000, 8192, 15.625)).toBe(102_390);
    expect(xmitTime(1_250_000, 8, 15.625)).toBe(93);
  });

  it.each<[string, Tbf, RegExp | null]>([
    ["fine", { rate: 1000n, burst: 10, latencyUs: 1000 }, null],
    ["both limit and latency", { rate: 1000n, burst: 10, limit: 100, latencyUs: 1000 }, /exactly one of limit and latency/],
    ["neither", { rate: 1000n, burst: 10 }, /exactly one of limit and latency/],
    ["rate 2^64", { rate: 1n << 64n, burst: 10, limit: 10 }, /outside 1\.\.2\^64-1/],
    ["burst 2^32", { rate: 1000n, burst: 4_294_967_296, limit: 10 }, /burst 4294967296 bytes is outside/],
    ["275 s of bucket", { rate: 1n, burst: 275, limit: 10 }, /takes more than 274 s/],
    ["mtu 0", { rate: 1000n, burst: 10, limit: 10, peakrate: 2000n, mtu: 0 }, /mtu 0 bytes is outside/],
    ["a limit over 4 GB", { rate: 4_000_000_000n, burst: 10, latencyUs: 4_000_000 }, /makes a limit above 4294967295 bytes/],
  ])("tbfProblem: %s", (_what, t, want) => {
    const p = tbfProblem(t, 15.625);
    if (want === null) expect(p).toBeNull();
    else expect(p).toMatch(want);
  });
});
