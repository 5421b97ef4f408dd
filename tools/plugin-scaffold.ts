// `wasm-cni-build init <dir>`: a new plugin project that builds and passes its test at once.
// The plugin is a chained no-op (it logs and passes the prevResult on), the smallest thing
// that runs; its test builds it and checks, without root, that the component imports only
// what manifest.json states and exports the five CNI verbs, then runs its ADD against the SDK's
// in-memory host (tools/plugin-harness.ts, shipped as dist/plugin-harness.mjs).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

/** A plugin name as the host accepts it in argv[0] and a policy: lower case, digits, '-'. */
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

function files(name: string, sdkVersion: string): Record<string, string> {
  const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
  return {
    "package.json": json({
      name,
      version: "0.1.0",
      private: true,
      type: "module",
      scripts: { build: "wasm-cni-build", test: "wasm-cni-build && node --test test/plugin.test.mjs" },
      devDependencies: { "@wasm-cni/sdk": sdkVersion },
    }),
    "manifest.json": json({ name, version: "0.1.0", capabilities: { interfaces: ["log"], hostNetns: false } }),
    "asconfig.json": json({ extends: "@wasm-cni/sdk/asconfig.plugin.json" }),
    "tsconfig.json": json({ extends: "assemblyscript/std/assembly.json", include: ["index.ts"] }),
    ".gitignore": "node_modules/\nbuild/\n",
    "index.ts": `// ${name}: a chained CNI plugin. ADD logs and passes the previous plugin's result on.
// Its imports are its capabilities: it uses \`log\` only, as manifest.json states.
import { register, log, Request, Result, Done, done, ok, CniError, CniResult, parseNetConf, CURRENT_VERSION } from "@wasm-cni/sdk";
export * from "@wasm-cni/sdk/exports"; // the CNI verbs and the panic record: keep this line

function cmdAdd(req: Request): Result<string, CniError> {
  const p = parseNetConf(req.config);
  if (p.isErr) return p.pass<string>(); // a failure passes up as it is: code, msg, details
  const conf = p.value;
  log.write(log.Level.INFO, "${name}: ADD " + req.containerId + " " + req.ifname);
  if (conf.prevResult == null) {
    return ok<string, CniError>(new CniResult().toJson()); // first in a chain: an empty result
  }
  const prev = conf.parsePrevResult();
  if (prev.isErr) return prev.pass<string>();
  const res = prev.value;
  res.cniVersion = CURRENT_VERSION;
  return ok<string, CniError>(res.toJson());
}

function cmdDel(req: Request): Done {
  return done(); // nothing to undo
}

function cmdCheck(req: Request): Done {
  return done();
}

function cmdStatus(req: Request): Done {
  return done();
}

function cmdGc(req: Request): Done {
  return done(); // holds no state
}

register(cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc);
`,
    "test/plugin.test.mjs": `// Runs after \`wasm-cni-build\` (npm test): checks the component without root or a host.
import { componentWit } from "@bytecodealliance/jco";
import { loadPlugin } from "@wasm-cni/sdk/dist/plugin-harness.mjs";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const manifest = JSON.parse(readFileSync(new URL("../manifest.json", import.meta.url), "utf8"));
const component = readFileSync(new URL(\`../build/\${manifest.name}.wasm\`, import.meta.url));
const wit = await componentWit(component);
/** Host interfaces with functions; types and verbs only carry types. */
const imports = [...wit.matchAll(/import cni:host\\/([a-z-]+)@/g)].map((m) => m[1]).filter((n) => n !== "types" && n !== "verbs");

test("the component imports only the host interfaces manifest.json states", () => {
  for (const name of imports) assert.ok(manifest.capabilities.interfaces.includes(name), \`imports \${name}, not in manifest.json\`);
});

test("the component exports the five CNI verbs", () => {
  for (const verb of ["add", "del", "check", "status", "gc"]) assert.match(wit, new RegExp(\`export \${verb}: func\`));
});

test("manifest.json is embedded in the component", () => {
  assert.ok(component.includes(Buffer.from(JSON.stringify(manifest))));
});

// The plugin against an in-memory host, through the host's canonical ABI: h.state is what it
// sees (links, addresses, routes, the store), h.calls what it called, h.fail scripts an error.
test("ADD logs and passes the prevResult on (in-memory host, no root)", () => {
  const h = loadPlugin(new URL(\`../build/\${manifest.name}.wasm\`, import.meta.url).pathname);
  const prevResult = { cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.1.2.3/24", interface: 0 }] };
  const r = h.add({ cniVersion: "1.1.0", name: "net", type: manifest.name, prevResult }, { containerId: "c1" });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value, prevResult);
  assert.deepEqual(h.calls.map((c) => c.fn), ["log.write"]);
  assert.match(h.state.log[0].message, /ADD c1 eth0/);
});
`,
    "README.md": `# ${name}

A CNI plugin for [wasm-cni](https://github.com/wasm-cni/wasm-cni), in AssemblyScript.

    npm install      # @wasm-cni/sdk: the SDK, the WIT contract and wasm-cni-build
    npm run build    # index.ts + manifest.json → build/${name}.wasm, and its sha256
    npm test         # builds, checks the component's imports and exports, runs ADD against an in-memory host (no root needed)

\`index.ts\` is the plugin; what it imports from the SDK (\`link\`, \`addr\`, \`route\`, ...) is what
it asks the host for. List those interfaces in \`manifest.json\`: it grants nothing, but it
travels in the component and \`wasm-cni inspect\` shows it beside the operator's grant.
The build is reproducible: the same source gives the same sha256 in any folder, so an operator
can rebuild what you ship and pin it.
`,
  };
}

/** Writes a new plugin project into `dir` (missing or empty); returns the files written. */
export function scaffold(dir: string, sdkVersion: string): string[] {
  const target = resolve(dir);
  const name = basename(target);
  if (!NAME.test(name)) throw new Error(`${name}: a plugin name is lower case letters, digits and '-', starting with a letter`);
  if (existsSync(target) && readdirSync(target).length > 0) throw new Error(`${target} is not empty`);
  const all = files(name, sdkVersion);
  for (const [file, text] of Object.entries(all)) {
    mkdirSync(join(target, file, ".."), { recursive: true });
    writeFileSync(join(target, file), text);
  }
  return Object.keys(all);
}
