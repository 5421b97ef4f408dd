// A fake host for the round-trip test: each function records its arguments and answers from
// a table (function → value), or throws a CapError-like error whose payload the guest sees.
export class FakeCapError extends Error {
  constructor(readonly payload: unknown) {
    super("cap error");
  }
}

/** WIT interface → (jco function name → "iface.wit-ish name" used in tables). */
const FUNCS: Record<string, Record<string, string>> = {
  "cni:host/netns@0.1.0": { container: "netns.container", host: "netns.host" },
  "cni:host/link@0.1.0": {
    list: "link.list", get: "link.get", create: "link.create", set: "link.set", setPort: "link.setPort", delete: "link.delete",
  },
  "cni:host/addr@0.1.0": { list: "addr.list", add: "addr.add", delete: "addr.delete" },
  "cni:host/route@0.1.0": { list: "route.list", add: "route.add", replace: "route.replace", delete: "route.delete" },
  "cni:host/sysctl@0.1.0": { get: "sysctl.get", set: "sysctl.set" },
  "cni:host/store@0.1.0": { open: "store.open", get: "store.get", put: "store.put", remove: "store.remove", entries: "store.entries" },
  "cni:host/log@0.1.0": { write: "log.write" },
  "cni:host/ipam@0.1.0": { add: "ipam.add", check: "ipam.check", del: "ipam.del" },
};

export interface FakeHost {
  imports: Record<string, object>;
  calls: [string, unknown[]][];
}

/** `answer(name)` gives the value to return, or a FakeCapError/Error to throw. */
export function fakeHost(answer: (name: string) => unknown): FakeHost {
  const calls: [string, unknown[]][] = [];
  const imports: Record<string, object> = {};
  for (const [iface, fns] of Object.entries(FUNCS)) {
    const obj: Record<string, (...args: unknown[]) => unknown> = {};
    for (const [fn, name] of Object.entries(fns)) {
      obj[fn] = (...args: unknown[]) => {
        calls.push([name, args]);
        const v = answer(name);
        if (v instanceof Error) throw v;
        return v;
      };
    }
    imports[iface] = obj;
  }
  return { imports, calls };
}

/** Replaces undefined by null, as the guest's JSON writes an absent option. */
export function nulls(v: unknown): unknown {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(nulls);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, nulls(x)]));
  return v;
}
