#!/usr/bin/env node
// Runs a TypeScript build tool (tools/*.ts): bundles it with esbuild, then runs it.
//   node scripts/ts.mjs tools/build.ts [args...]
import { buildSync } from "esbuild";
import { mkdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/ts.mjs <tool.ts> [args...]");
  process.exit(2);
}
const outdir = resolve("build/tools");
mkdirSync(outdir, { recursive: true });
const outfile = resolve(outdir, basename(entry).replace(/\.ts$/, ".mjs"));
buildSync({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
