import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CallContext } from "../../../host/caps/context";
import { createDnsCaps } from "../../../host/caps/dns";
import { CapError } from "../../../host/caps/errors";
import { networkConfigOf } from "../../../host/caps/network-config";
import { DEFAULT_LIMITS } from "../../../host/runtime/policy";
import { ROOT } from "../../helpers/fixtures";

const FIXTURE = join(ROOT, "test/fixtures/dns/resolv.conf");

/** The caps of host-local run on `config`, the runtime's; a parent's config plays no part. */
function caps(config: unknown) {
  const text = typeof config === "string" ? config : JSON.stringify(config);
  let network: unknown = { name: "n" };
  try {
    network = networkConfigOf({ name: "n", ...(JSON.parse(text) as object) });
  } catch {
    // not JSON: names no file
  }
  const ctx = {
    plugin: "host-local", grant: { interfaces: ["dns"], hostNetns: false, delegates: [], ...DEFAULT_LIMITS },
    config: text, network, records: [], hostCalls: 0,
  } as unknown as CallContext;
  return { dns: createDnsCaps(ctx), ctx };
}

const payload = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    if (e instanceof CapError) return e.payload;
    throw e;
  }
  throw new Error("did not throw");
};

describe("dns.read-resolv-conf", () => {
  it("returns the settings of the file the config names in ipam.resolvConf and records the call", () => {
    const { dns, ctx } = caps({ ipam: { type: "host-local", resolvConf: FIXTURE } });
    expect(dns.readResolvConf(FIXTURE)).toMatchObject({ nameservers: ["10.0.0.53", "fd00::53"], domain: "example.com" });
    expect(ctx.records).toEqual([expect.objectContaining({ fn: "dns.read-resolv-conf", args: [FIXTURE], outcome: "ok" })]);
  });

  it("returns denied for any other file, and for a config that names none", () => {
    expect(payload(() => caps({ ipam: { resolvConf: FIXTURE } }).dns.readResolvConf("/etc/shadow"))).toMatchObject({ tag: "denied" });
    expect(payload(() => caps({ ipam: {} }).dns.readResolvConf(FIXTURE))).toMatchObject({ tag: "denied" });
    expect(payload(() => caps({ resolvConf: FIXTURE }).dns.readResolvConf(FIXTURE))).toMatchObject({ tag: "denied" });
    expect(payload(() => caps("not json").dns.readResolvConf(FIXTURE))).toMatchObject({ tag: "denied" });
  });

  it("returns invalid for a relative path and not-found for a missing file", () => {
    expect(payload(() => caps({ ipam: { resolvConf: "resolv.conf" } }).dns.readResolvConf("resolv.conf"))).toMatchObject({ tag: "invalid" });
    const gone = "/nonexistent/resolv.conf";
    expect(payload(() => caps({ ipam: { resolvConf: gone } }).dns.readResolvConf(gone))).toEqual({
      tag: "not-found", val: "read resolv.conf /nonexistent/resolv.conf: ENOENT (No such file or directory)",
    });
  });
});
