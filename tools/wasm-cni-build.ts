// `wasm-cni-build`: the SDK's build command, what a plugin author runs outside this repo.
//   wasm-cni-build [<plugin-dir>] [-o <file.wasm>] [--target release|debug]
//   wasm-cni-build init <dir>     a new plugin project (tools/plugin-scaffold.ts)
// Builds the plugin in <plugin-dir> (default: the current folder) into one component file with
// its manifest.json embedded, the file a third party ships, and prints its sha256 (what an
// operator pins). The same source gives the same bytes in any folder, and the same bytes as this
// repo's own build (tools/plugin-component.ts, shared). Bundled by tools/sdk-kit.ts into the SDK
// package as dist/wasm-cni-build.mjs (run by its bin/wasm-cni-build.mjs), beside the package's wit/ and asconfig.plugin.json.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildComponent } from "./plugin-component";
import { MANIFEST_FILE } from "./plugin-manifest";
import { scaffold } from "./plugin-scaffold";

const USAGE = `usage: wasm-cni-build [<plugin-dir>] [-o <file.wasm>] [--target release|debug]
       wasm-cni-build init <dir>

Builds the plugin in <plugin-dir> (default: .) from <name>.ts, index.ts or assembly/index.ts
into a component with its manifest.json embedded, and prints its sha256.
  -o, --out      the component file (default: <plugin-dir>/build/<name>.wasm)
  --target       asconfig target (default: release)
A plugin folder's own asconfig.json, if any, must extend "@wasm-cni/sdk/asconfig.plugin.json".
A node controller's manifest.json says "world": "controller": it is built for that world.
init makes a new plugin project in <dir> (missing or empty; its name is the plugin's):
source, manifest.json, a test and a README; \`npm install && npm test\` there builds and tests it.
To build a plugin folder named "init", write ./init.`;

class UsageError extends Error {}

/** The SDK package folder: this file is its dist/wasm-cni-build.mjs. */
function sdkDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..");
}

/** The plugin's name: its manifest's, else its folder's. */
function pluginName(dir: string): string {
  const file = join(dir, MANIFEST_FILE);
  if (existsSync(file)) {
    const name = (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name;
    if (typeof name === "string" && name !== "") return name;
  }
  return basename(resolve(dir));
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string", short: "o" }, target: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const sdk = sdkDir();
  if (args.positionals[0] === "init") {
    if (args.positionals.length !== 2) throw new UsageError("init takes one folder");
    const version = (JSON.parse(readFileSync(join(sdk, "package.json"), "utf8")) as { version: string }).version;
    const written = scaffold(args.positionals[1]!, `^${version}`);
    process.stdout.write(`${written.map((f) => join(args.positionals[1]!, f)).join("\n")}\nnext: cd ${args.positionals[1]} && npm install && npm test\n`);
    return 0;
  }
  if (args.positionals.length > 1) throw new UsageError(`one plugin folder at a time, got ${args.positionals.join(" ")}`);
  const dir = resolve(args.positionals[0] ?? ".");
  const name = pluginName(dir);
  const out = resolve(args.values.out ?? join(dir, "build", `${name}.wasm`));
  const component = await buildComponent(dir, {
    root: sdk,
    wit: join(sdk, "wit"),
    asconfig: join(sdk, "asconfig.plugin.json"), // unless the folder has its own asconfig.json
    ...(args.values.target ? { target: args.values.target } : {}),
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, component);
  const sha = createHash("sha256").update(component).digest("hex");
  const shown = relative(process.cwd(), out);
  process.stdout.write(`${shown && !shown.startsWith("..") ? shown : out}  ${component.length} bytes  sha256:${sha}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    const usage = e instanceof UsageError;
    process.stderr.write(`wasm-cni-build: ${(e as Error).message}${usage ? `\n${USAGE}` : ""}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
