import { describe, expect, it } from "vitest";
import { type CallContext, countHostCall, hostCall } from "../../../host/caps/context";
import { LimitError } from "../../../host/runtime/limits";
import { DEFAULT_LIMITS } from "../../../host/runtime/policy";

function context(maxHostCalls: number): CallContext {
  return { plugin: "p", grant: { interfaces: [], hostNetns: false, delegates: [], ...DEFAULT_LIMITS, maxHostCalls }, records: [], hostCalls: 0 } as unknown as CallContext;
}

describe("host-call limit", () => {
  it("lets maxHostCalls calls through, then throws a LimitError that is not a WIT error (the guest unwinds)", () => {
    const ctx = context(3);
    const get = hostCall(ctx, "link.get", () => "ok");
    expect([get(), get(), get()]).toEqual(["ok", "ok", "ok"]);
    expect(() => get()).toThrow(LimitError);
    expect(() => get()).toThrow(/called link\.get after its limit of maxHostCalls 3/);
    expect(ctx.records).toHaveLength(3); // a refused call never ran
  });

  it("log.write counts too", () => {
    const ctx = context(1);
    countHostCall(ctx, "log.write");
    expect(() => countHostCall(ctx, "log.write")).toThrow(expect.objectContaining({ limit: "maxHostCalls", plugin: "p" }));
  });
});
