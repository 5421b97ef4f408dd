// witgen's ABI for the types cni:host does not use yet (s8..s64, u16, u64, f32, f64, char,
// flags, tuple<3>, variants joining f32/f64/u64/s8, option<option<T>>, result<f32, s64>,
// spilled export parameters, a flat f64 result): bindings generated from
// test/fixtures/plugins/roundtrip/extra into a temp folder, built into a component, and round-tripped
// host → guest → host through jco's glue.
import { beforeAll, describe, expect, it } from "vitest";
import asc from "assemblyscript/asc";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileFunction } from "node:vm";
import { generate } from "../../../tools/witgen/generate";
import { readWit } from "../../../tools/witgen/generate-all";
import { componentize, transpileComponent } from "../../../tools/plugin-build";

const ROOT = resolve(import.meta.dirname, "../../..");
const FIXTURE = join(ROOT, "test/fixtures/plugins/roundtrip/extra");
const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object } }).WebAssembly;
type Run = (v: unknown, n: unknown) => unknown;
let instantiate: (imports: Record<string, object>) => { run: Run };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "witgen-extra-"));
  mkdirSync(join(dir, "bindings"));
  for (const [f, text] of generate(readWit(FIXTURE), "extra")) writeFileSync(join(dir, "bindings", f), text);
  symlinkSync(join(ROOT, "guest-plugins/sdk/abi"), join(dir, "abi"));
  copyFileSync(join(FIXTURE, "entry.ts"), join(dir, "entry.ts"));
  let core: Uint8Array | null = null;
  let log = "";
  const { error } = await asc.main(
    ["entry.ts", "--baseDir", dir, "--outFile", "core.wasm", "-O3", "--runtime", "stub", "--use", "abort=abi/abort/onAbort"],
    {
      stdout: { write: (s: string) => ((log += s), true) } as never,
      stderr: { write: (s: string) => ((log += s), true) } as never,
      writeFile: (name: string, bytes: string | Uint8Array) => {
        if (name.endsWith(".wasm")) core = bytes as Uint8Array;
      },
    },
  );
  if (error || !core) throw new Error(`asc: ${error?.message}\n${log}`);
  const component = await componentize(core, { root: FIXTURE, wit: ".", world: "extra" });
  const out = join(dir, "out");
  const meta = await transpileComponent("extra", component, out, "extra", true);
  const mod = { exports: {} as { instantiate: (g: (p: string) => object, i: object) => { run: Run } } };
  compileFunction(readFileSync(join(out, "glue.cjs"), "utf8"), ["module", "exports"])(mod, mod.exports);
  const modules = Object.fromEntries(Object.keys(meta.coreModules).map((f) => [f, new Wasm.Module(readFileSync(join(out, f)))]));
  instantiate = (imports) => mod.exports.instantiate((p) => modules[p]!, imports);
}, 60_000);

const V = {
  a: -128, b: -2, c: -2147483648, d: -9007199254740993n, e: 65535, f: 18446744073709551615n,
  g: 1.5, h: -0.1, i: "🙂", j: { read: true, write: false, exec: true },
  k: [255, "tuple ü", 1e300],
  l: [{ tag: "f", val: -2.5 }, { tag: "d", val: 1e-300 }, { tag: "big", val: 18446744073709551615n }, { tag: "small", val: -1 }, { tag: "none" }],
  m: { tag: "some", val: 4294967295 },
  n: { tag: "err", val: -1n },
};

function host(nums: unknown[]) {
  const seen: unknown[] = [];
  const kinds = {
    echo: (v: unknown) => (seen.push(["echo", v]), v),
    pick: (n: unknown) => (seen.push(["pick", n]), nums.shift()),
    pick2: (...args: unknown[]) => (seen.push(["pick2", ...args]), 2.25),
  };
  return { seen, imports: { "test:extra/kinds": kinds, "test:extra/kinds@0.1.0": kinds } };
}

describe("witgen extra types", () => {
  const cases: [string, unknown][] = [
    ["f32", { tag: "f", val: 3.5 }],
    ["f64", { tag: "d", val: -1e-310 }],
    ["u64", { tag: "big", val: 9007199254740993n }],
    ["s8", { tag: "small", val: -128 }],
    ["no payload", { tag: "none" }],
  ];
  for (const [name, n] of cases) {
    it(`variant case ${name} and a record of every type round-trip exactly`, () => {
      const h = host([n]);
      const got = instantiate(h.imports).run(V, n) as typeof V;
      expect(h.seen).toEqual([["echo", V], ["pick", n], ["pick2", n, V.j, V.i, V.f, V.g]]);
      expect(got).toEqual({ ...V, h: 2.25, l: [...V.l, n] });
    });
  }

  // jco writes the outer option of option<option<T>> as {tag}, the inner as value-or-undefined.
  it("option<option<u32>> keeps none, some(none) and some(some)", () => {
    for (const m of [{ tag: "none" }, { tag: "some", val: undefined }, { tag: "some", val: 0 }]) {
      const v = { ...V, m, n: { tag: "ok", val: 0.25 }, l: [], k: [0, "", 0] };
      const h = host([{ tag: "none" }]);
      const got = instantiate(h.imports).run(v, { tag: "none" });
      expect(got).toEqual({ ...v, h: 2.25, l: [{ tag: "none" }] });
    }
  });
});
