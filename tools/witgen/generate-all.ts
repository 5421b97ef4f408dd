// Everything witgen writes: the AS guest bindings and the host's TypeScript types (and the
// built-in grants, tools/builtin-grants.ts, which also live in host/generated).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "./generate";
import { hostTypes } from "./host-types";
import { capabilitiesFile } from "./capabilities";
import { hostAbiFile } from "./host-abi";
import { BUILTIN_GRANTS_FILE, builtinGrantsFile } from "../builtin-grants";

export const WIT_DIR = "wit";
export const WORLD = "plugin";
export const GUEST_OUT = "guest-plugins/sdk/bindings";
export const HOST_OUT = "host/generated";

/** The .wit files of a folder, by file name. */
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
  out.set(`${HOST_OUT}/capabilities.ts`, capabilitiesFile(readWit(join(root, WIT_DIR)), WORLD));
  out.set(`${HOST_OUT}/abi.ts`, hostAbiFile(readWit(join(root, WIT_DIR)), WORLD));
  // Not from wit/, but generated into host/generated too: the shipped plugins' grants, from their manifests.
  out.set(BUILTIN_GRANTS_FILE, builtinGrantsFile(root));
  return out;
}
