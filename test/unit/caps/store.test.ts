import { describe, expect, it } from "vitest";
import type { CallContext, HostCallRecord } from "../../../host/caps/context";
import { CapError } from "../../../host/caps/errors";
import { createIpamCaps } from "../../../host/caps/ipam";
import { Journal } from "../../../host/caps/journal";
import { bucketPlace, createStoreCaps, PLUGIN_STORE_ROOT } from "../../../host/caps/store";
import { LimitError } from "../../../host/runtime/limits";
import { DEFAULT_LIMITS, type Grant } from "../../../host/runtime/policy";
import { createMemoryStore } from "../../../host/store/memory";
import type { Store } from "../../../host/store/store";

const NETWORK = { name: "net1", ipamType: "host-local", dataDir: "/data" };

function context(plugin: string, store: Store, journal: Journal, records: HostCallRecord[], grant: Partial<Grant> = {}): CallContext {
  return {
    plugin, grant: { interfaces: ["store", "ipam"], hostNetns: false, delegates: ["host-local"], linkKinds: [], sysctlKeys: [], ...DEFAULT_LIMITS, ...grant },
    call: { command: journal.enabled ? "ADD" : "DEL", containerId: "c1", ifname: "eth0" }, config: "{}", network: NETWORK,
    namespaces: undefined as never, store, buckets: [], storeWritten: new Map(), log: () => {}, records, journal, hostCalls: 0,
    delegate: () => ({ ok: true, value: "" }),
  };
}

function setup(plugin = "host-local", grant: Partial<Grant> = {}, command: "ADD" | "DEL" = "ADD") {
  const store = createMemoryStore();
  const journal = new Journal(command === "ADD");
  const records: HostCallRecord[] = [];
  const ctx = context(plugin, store, journal, records, grant);
  return { store, journal, records, ctx, caps: createStoreCaps(ctx) };
}

describe("store.open", () => {
  it("opens the network's IPAM state only for the plugin the runtime's config names in ipam.type", () => {
    expect(bucketPlace({ plugin: "host-local", network: NETWORK })).toEqual({ dir: "/data", name: "net1" });
    expect(bucketPlace({ plugin: "host-local", network: { name: "net1", ipamType: "host-local" } })).toEqual({ dir: "", name: "net1" });
    expect(bucketPlace({ plugin: "evil", network: NETWORK })).toEqual({ dir: `${PLUGIN_STORE_ROOT}/evil`, name: "net1" });
    expect(bucketPlace({ plugin: "evil", network: { name: "net1" } })).toEqual({ dir: `${PLUGIN_STORE_ROOT}/evil`, name: "net1" });
  });

  it("returns invalid for a dataDir the store cannot use", () => {
    const bad = (dataDir: unknown): unknown => {
      const { caps, ctx } = setup();
      ctx.network = { name: "net1", ipamType: "host-local", dataDir };
      try {
        caps.open();
      } catch (e) {
        return e instanceof CapError ? e.payload : e;
      }
      return "opened";
    };
    expect(bad(5)).toMatchObject({ tag: "invalid" });
    expect(bad("/proc/self/root/../etc")).toMatchObject({ tag: "invalid" });
    expect(bad("relative")).toMatchObject({ tag: "invalid" });
  });
});

describe("store.find", () => {
  it("returns the keys whose trimmed value is one of those asked for, and only from the call's bucket", () => {
    const { store, caps } = setup();
    const seed = store.open("/data", "net1");
    seed.put("10.1.0.5", "c1\r\neth0");
    seed.put("10.1.0.6", " c1 \n");
    seed.put("10.1.0.7", "c2\r\neth0");
    store.open("/data", "other").put("10.9.0.1", "c1\r\neth0");
    const b = caps.open();
    expect(caps.find(b, ["c1\r\neth0", "c1"])).toEqual([["10.1.0.5", "c1\r\neth0"], ["10.1.0.6", " c1 \n"]]);
    expect(caps.find(b, ["nobody"])).toEqual([]);
  });

  it("takes 1 to 8 values: none or more is invalid, not a scan of its own", () => {
    const { caps } = setup();
    const b = caps.open();
    for (const values of [[], Array.from({ length: 9 }, (_, i) => `v${i}`)]) {
      expect(() => caps.find(b, values)).toThrow(CapError);
      try {
        caps.find(b, values);
      } catch (e) {
        expect((e as CapError).payload).toMatchObject({ tag: "invalid" });
      }
    }
  });
});

describe("store journal (ADD)", () => {
  it("a rollback restores what puts and removes replaced", () => {
    const { store, journal, records, caps } = setup();
    const seed = store.open("/data", "net1");
    seed.put("10.1.0.5", "other");
    seed.put("last", "10.1.0.4");
    const b = caps.open();
    caps.put(b, "10.1.0.6", "mine");
    caps.put(b, "last", "10.1.0.6");
    expect(caps.remove(b, "10.1.0.5")).toBe(true);
    expect(caps.remove(b, "absent")).toBe(false);
    journal.rollback(records);
    expect(store.open("/data", "net1").entries()).toEqual([["10.1.0.5", "other"], ["last", "10.1.0.4"]]);
    expect(records.filter((r) => r.fn.startsWith("undo")).map((r) => [r.fn, r.outcome])).toEqual([
      ["undo store.remove 10.1.0.5 in /data/net1", "ok"],
      ["undo store.put last in /data/net1", "ok"],
      ["undo store.put 10.1.0.6 in /data/net1", "ok"],
    ]);
  });

  it("an undo leaves a key another call changed since, and says so", () => {
    const { store, journal, records, caps } = setup();
    caps.put(caps.open(), "last", "10.1.0.6");
    store.open("/data", "net1").put("last", "10.1.0.7"); // a later call's
    journal.rollback(records);
    expect(store.open("/data", "net1").get("last")).toBe("10.1.0.7");
    expect(records.at(-1)).toMatchObject({ fn: "undo store.put last in /data/net1", outcome: "failed: last was changed by another call since; left as it is" });
  });

  it("ipam.del during ADD undoes the IPAM plugin's store changes and nothing else, without running its DEL", () => {
    const store = createMemoryStore();
    const journal = new Journal(true);
    const records: HostCallRecord[] = [];
    const main = context("bridge", store, journal, records);
    const delegated: string[] = [];
    main.delegate = (plugin, verb) => (delegated.push(`${plugin} ${verb}`), { ok: true, value: "" });
    const mainStore = createStoreCaps(main);
    mainStore.put(mainStore.open(), "own", "x");
    const ipamStore = createStoreCaps(context("host-local", store, journal, records));
    ipamStore.put(ipamStore.open(), "10.1.0.6", "c1\r\neth0");
    createIpamCaps(main).del();
    expect(delegated).toEqual([]);
    expect(store.open("/data", "net1").entries()).toEqual([]);
    expect(store.open(`${PLUGIN_STORE_ROOT}/bridge`, "net1").entries()).toEqual([["own", "x"]]);
    expect(journal.size).toBe(1);
  });
});

describe("ipam verbs", () => {
  it.each([
    ["ADD", "gc"], ["ADD", "check"], ["ADD", "status"], ["DEL", "add"], ["DEL", "gc"], ["CHECK", "del"], ["GC", "add"], ["STATUS", "gc"],
  ] as const)("during %s, ipam.%s is denied (999) and the delegate never runs", (command, verb) => {
    const { ctx } = setup("bridge");
    ctx.call = { ...ctx.call, command };
    let ran = false;
    ctx.delegate = () => ((ran = true), { ok: true, value: "" });
    expect(() => createIpamCaps(ctx)[verb]()).toThrow(expect.objectContaining({ payload: expect.objectContaining({ code: 999 }) }));
    expect(ran).toBe(false);
    expect(ctx.records[0]?.outcome).toMatch(new RegExp(`^denied: plugin "bridge" may not run ipam\\.${verb} during ${command}`));
  });

  it("runs the runtime config's ipam.type, and fails with 7 when it names none", () => {
    const { ctx } = setup("bridge", {}, "DEL");
    const ran: string[] = [];
    ctx.delegate = (plugin, verb) => (ran.push(`${plugin} ${verb}`), { ok: true, value: "" });
    createIpamCaps(ctx).del();
    expect(ran).toEqual(["host-local del"]);
    ctx.network = { name: "net1" };
    expect(() => createIpamCaps(ctx).del()).toThrow(expect.objectContaining({ payload: expect.objectContaining({ code: 7 }) }));
  });
});

describe("store quota", () => {
  it.each([
    [{ storeValueBytes: 3 }, [["k", "abcd"]], "storeValueBytes"],
    [{ storeBytesPerCall: 10 }, [["k1", "abcd"], ["k2", "abcd"]], "storeBytesPerCall"],
    [{ storeKeysPerBucket: 1 }, [["k1", "a"], ["k1", "b"], ["k2", "c"]], "storeKeysPerBucket"],
  ] as const)("grant %j: the last of %j is a LimitError naming %s, before it is written", (grant, puts, limit) => {
    const { caps, store } = setup("host-local", grant);
    const b = caps.open();
    const last = puts.length - 1;
    puts.slice(0, last).forEach(([k, v]) => caps.put(b, k, v));
    const [k, v] = puts[last]!;
    expect(() => caps.put(b, k, v)).toThrow(expect.objectContaining({ constructor: LimitError, limit }));
    expect(store.open("/data", "net1").get(k)).not.toBe(v);
  });
});
