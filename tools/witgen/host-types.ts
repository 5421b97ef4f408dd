// Host-side TypeScript types of the world, from jco (`jco types wit --world-name plugin`): the
// caps layer implements the import interfaces typed by `interfaces/cni-host-*.d.ts`.
import { types } from "@bytecodealliance/jco";
import { HEADER } from "./generate";

export async function hostTypes(witDir: string, world: string): Promise<Map<string, string>> {
  const files = (await types(witDir, { worldName: world, tlaCompat: false })) as Record<string, Uint8Array>;
  const out = new Map<string, string>();
  for (const name of Object.keys(files).sort()) {
    const text = Buffer.from(files[name]!).toString("utf8");
    out.set(name.replace(/^\.?\/?/, ""), HEADER + text);
  }
  return out;
}
