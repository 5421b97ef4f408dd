// witgen: WIT → AssemblyScript guest bindings, and host TypeScript types via `jco types`.
//   node scripts/ts.mjs tools/witgen/main.ts            regenerate
//   node scripts/ts.mjs tools/witgen/main.ts --check    fail if anything would change
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GUEST_OUT, HOST_OUT, generateAll } from "./generate-all";

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
      process.stderr.write(`witgen: generated files are out of date: ${[...changed, ...stale].join(", ")}\nrun: node scripts/ts.mjs tools/witgen/main.ts\n`);
      process.exitCode = 1;
    }
    return;
  }
  for (const f of stale) rmSync(f);
  for (const f of changed) {
    mkdirSync(join(f, ".."), { recursive: true });
    writeFileSync(f, files.get(f)!);
  }
  process.stdout.write(`witgen: ${files.size} files, ${changed.length} changed, ${stale.length} removed\n`);
}

await main();
