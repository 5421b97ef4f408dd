// witgen: WIT → AssemblyScript guest bindings, and host TypeScript types via `jco types`.
//   node scripts/ts.mjs tools/witgen/main.ts            regenerate
//   node scripts/ts.mjs tools/witgen/main.ts --check    fail if anything would change
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { generate } from "./generate";
import { hostTypes } from "./host-types";

export const WIT_DIR = "wit";
export const WORLD = "plugin";
export const GUEST_OUT = "guest-plugins/sdk/bindings";
export const HOST_OUT = "host/generated";

export function readWit(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".wit")).sort()) files[f] = readFileSync(join(dir, f), "utf8");
  return files;
}

/** Every generated file (path relative to the repo root → text). */
export async function generateAll(root = "."): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [f, text] of generate(readWit(join(root, WIT_DIR)), WORLD)) out.set(`${GUEST_OUT}/${f}`, text);
  for (const [f, text] of await hostTypes(join(root, WIT_DIR), WORLD)) out.set(`${HOST_OUT}/${f}`, text);
  return out;
}

function listFiles(dir: string, prefix = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), prefix) : [join(dir, e.name)]);
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const files = await generateAll();
  const stale: string[] = [];
  for (const dir of [GUEST_OUT, HOST_OUT]) {
    for (const f of listFiles(dir)) if (!files.has(f)) stale.push(f);
  }
  const changed = [...files].filter(([f, text]) => !existsSync(f) || readFileSync(f, "utf8") !== text).map(([f]) => f);
  if (check) {
    if (changed.length || stale.length) {
      console.error(`witgen: generated files are out of date: ${[...changed, ...stale].join(", ")}\nrun: node scripts/ts.mjs tools/witgen/main.ts`);
      process.exitCode = 1;
    }
    return;
  }
  for (const f of stale) rmSync(f);
  for (const f of changed) {
    mkdirSync(join(f, ".."), { recursive: true });
    writeFileSync(f, files.get(f)!);
  }
  console.log(`witgen: ${files.size} files, ${changed.length} changed, ${stale.length} removed`);
}

if (process.argv[1]?.endsWith("main.mjs")) await main();
