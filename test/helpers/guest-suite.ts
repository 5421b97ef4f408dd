// Runs an AssemblyScript test entry in the guest, as test/unit/sdk/sdk.test.ts runs the SDK's:
// the entry is compiled with test/sdk/asconfig.json (stub runtime, --noUnsafe like a plugin,
// debug; the default env.abort, so that a failed assert reports its message and line here),
// and every `export function name(): void` is one vitest case titled by its name.
import { describe, it, beforeAll } from "vitest";
import asc from "assemblyscript/asc";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

// The project's lib settings (ES2022, no DOM) do not declare WebAssembly; this is all we use.
interface WasmMemory {
  buffer: ArrayBuffer;
}
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
  };
}).WebAssembly;

/** Compiles one test entry (relative to the repository root) to wasm bytes. */
export async function compileGuestTest(entry: string): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  let stderr = "";
  const { error } = await asc.main(
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

/** Names of `export function name(): void` in a test entry, in source order. */
export function exportedTests(entry: string): string[] {
  const text = readFileSync(resolve(ROOT, entry), "utf8");
  return [...text.matchAll(/^export function (\w+)\(\): void/gm)].map((m) => m[1]!);
}

/** Declares one describe block running every test function of `entry` in the guest. */
export function guestSuite(title: string, entry: string): void {
  describe(title, () => {
    let exports: Record<string, unknown> = {};
    let memory: WasmMemory;

    beforeAll(async () => {
      const { instance } = await Wasm.instantiate(await compileGuestTest(entry), {
        env: {
          abort(msg: number, file: number, line: number, col: number) {
            throw new Error(`${readString(memory, msg) || "assertion failed"} at ${readString(memory, file)}:${line}:${col}`);
          },
        },
      });
      exports = instance.exports;
      memory = exports.memory as WasmMemory;
    }, 120_000);

    // Names come from the source, so vitest lists the cases before compiling.
    for (const name of exportedTests(entry)) {
      it(name.replace(/_/g, " "), () => {
        const fn = exports[name];
        if (typeof fn !== "function") throw new Error(`${entry} does not export ${name}`);
        (fn as () => void)();
      });
    }
  });
}
