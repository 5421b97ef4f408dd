// Everything witgen writes: the AS guest bindings and the host's TypeScript types (and the
// built-in grants, tools/builtin-grants.ts, which also live in host/generated).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generate, type WorldSpec } from "./generate";
import { hostTypes } from "./host-types";
import { capabilitiesFile } from "./capabilities";
import { hostAbiFile } from "./host-abi";
import { BUILTIN_GRANTS_FILE, builtinGrantsFile } from "../builtin-grants";

export const WIT_DIR = "wit";
/**
 * The worlds of wit/world.wit: the guest's registration function (SDK index) and the name of
 * the ABI table in host/generated/abi.ts. The host's capability list is what they import.
 */
export const WORLDS: readonly (WorldSpec & { abi: string })[] = [
  { world: "plugin", register: "register", abi: "WORLD" },
  { world: "controller", register: "registerController", abi: "CONTROLLER_WORLD" },
];
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
  const wit = readWit(join(root, WIT_DIR));
  for (const [f, text] of generate(wit, WORLDS)) out.set(`${GUEST_OUT}/${f}`, text);
  // jco writes the interfaces a world uses per world; a file both worlds use is the same text.
  for (const { world } of WORLDS) {
    for (const [f, text] of await hostTypes(join(root, WIT_DIR), world)) {
      const path = `${HOST_OUT}/${f}`;
      if (out.has(path) && out.get(path) !== text) throw new Error(`jco types: ${f} differs between worlds`);
      out.set(path, text);
    }
  }
  out.set(`${HOST_OUT}/capabilities.ts`, capabilitiesFile(wit, WORLDS.map((w) => w.world)));
  out.set(`${HOST_OUT}/abi.ts`, hostAbiFile(wit, WORLDS.map((w) => ({ world: w.world, name: w.abi }))));
  // Not from wit/, but generated into host/generated too: the shipped plugins' grants, from their manifests.
  out.set(BUILTIN_GRANTS_FILE, builtinGrantsFile(root));
  return out;
}
