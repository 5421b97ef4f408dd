// Runs the AssemblyScript SDK tests in the guest, as AssemblyScript's own tests/compiler do:
// each test/sdk/*.as.ts is compiled with asc (test/sdk/asconfig.json: stub runtime, --noUnsafe
// like a plugin, but the default env.abort so that asserts report here) and
// every exported function is one vitest case, titled by its name with "_" as spaces. An AS
// assert that fails calls env.abort, which throws here with the message and source line.
import { describe, it, beforeAll } from "vitest";
import asc from "assemblyscript/asc";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");
const SUITES = ["ip", "json", "cni"];

// The project's lib settings (ES2022, no DOM) do not declare WebAssembly; this is all we use.
interface WasmMemory {
  buffer: ArrayBuffer;
}
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
  };
}).WebAssembly;

/** Compiles one test entry to wasm bytes; throws with asc's diagnostics on failure. */
async function compile(entry: string): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  let stderr = "";
  const { error } = await asc.main(
    // Our own asconfig, not the project's: failed asserts must reach env.abort with their message.
    [entry, "--config", "test/sdk/asconfig.json", "--outFile", "out.wasm", "--baseDir", ROOT],
    {
      writeFile: (name: string, contents: Uint8Array | string) => {
        if (name.endsWith(".wasm")) binary = contents as Uint8Array;
      },
      stdout: { write: () => true } as never,
      stderr: { write: (s: string | Uint8Array) => ((stderr += String(s)), true) } as never,
    },
  );
  if (error || !binary) throw new Error(`asc ${entry} failed: ${error?.message ?? "no output"}\n${stderr}`);
  return binary;
}

/** Reads an AS string (UTF-16, byte length at ptr-4) from the guest's memory. */
function readString(memory: WasmMemory, ptr: number): string {
  if (!ptr) return "";
  const len = new Uint32Array(memory.buffer, ptr - 4, 1)[0]! >>> 1;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, len));
}

for (const suite of SUITES) {
  describe(`sdk/${suite} (guest)`, () => {
    const entry = `test/sdk/${suite}.as.ts`;
    let exports: Record<string, unknown> = {};
    let memory: WasmMemory;
    const names: string[] = [];

    beforeAll(async () => {
      const bytes = await compile(entry);
      const { instance } = await Wasm.instantiate(bytes, {
        env: {
          abort(msg: number, file: number, line: number, col: number) {
            throw new Error(`${readString(memory, msg) || "assertion failed"} at ${readString(memory, file)}:${line}:${col}`);
          },
        },
      });
      exports = instance.exports;
      memory = exports.memory as WasmMemory;
    }, 120_000);

    // Test names come from the source so vitest can list them before compiling.
    for (const name of exportedTests(entry)) names.push(name);
    for (const name of names) {
      it(name.replace(/_/g, " "), () => {
        const fn = exports[name];
        if (typeof fn !== "function") throw new Error(`${entry} does not export ${name}`);
        (fn as () => void)();
      });
    }
  });
}

/** Names of `export function name(): void` in a test entry, in source order. */
function exportedTests(entry: string): string[] {
  const text = readFileSync(resolve(ROOT, entry), "utf8");
  return [...text.matchAll(/^export function (\w+)\(\): void/gm)].map((m) => m[1]!);
}
