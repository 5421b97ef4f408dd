// Completes the SDK package (guest-plugins/sdk) into what an author installs: the WIT contract
// (a copy of the repo's wit/, which the package cannot reference: npm pack drops symlinks) and
// the `wasm-cni-build` command (tools/wasm-cni-build.ts bundled, asc and jco left to the
// package's dependencies) and the test harness (tools/plugin-harness.ts bundled, self-contained). Both are build outputs, not committed: `npm run build` writes them
// and the package's prepack runs that step, so a packed SDK never carries a stale contract.
import { buildSync } from "esbuild";
import { chmodSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

export const KIT_BIN = "dist/wasm-cni-build.mjs";
/** What an author's tests import: `@wasm-cni/sdk/dist/plugin-harness.mjs`. */
export const KIT_HARNESS = "dist/plugin-harness.mjs";

/** Writes wit/, the build command and the test harness into the SDK package folder `sdkDir`, from the repo at `root`. */
export function writeKit(root: string, sdkDir: string): void {
  rmSync(join(sdkDir, "wit"), { recursive: true, force: true });
  cpSync(join(root, "wit"), join(sdkDir, "wit"), { recursive: true });
  const outfile = join(sdkDir, KIT_BIN);
  mkdirSync(join(sdkDir, "dist"), { recursive: true });
  buildSync({
    entryPoints: [join(root, "tools/wasm-cni-build.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Loaded from the author's node_modules: asc finds its own std library beside itself.
    external: ["assemblyscript", "assemblyscript/*", "@bytecodealliance/jco"],
    banner: { js: "#!/usr/bin/env node" },
    legalComments: "none",
    logLevel: "warning",
  });
  chmodSync(outfile, 0o755);
  buildSync({
    entryPoints: [join(root, "tools/plugin-harness.ts")],
    outfile: join(sdkDir, KIT_HARNESS),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    legalComments: "none",
    logLevel: "warning",
  });
}
