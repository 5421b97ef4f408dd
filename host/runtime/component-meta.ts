/**
 * meta.json, which tools/plugin-build.ts writes beside a plugin's core modules, read as the
 * input it is: anyone who can write the plugin directory writes it. Its file names must be
 * plain names in the plugin's folder (`../x` or `/etc/x` would let it name any file), and its
 * main module one of the core modules it lists. What it says is trusted only as far as the
 * directory is; a pinned plugin's main module and imports are checked against the component
 * itself (pin.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import { describeZodError } from "../cni/zod-issue";
import { WORLD_NAMES, type WorldName } from "./worlds";

/** What tools/plugin-build.ts writes to meta.json. */
export interface ComponentMeta {
  name: string;
  /** The world it was built for (its manifest's "world"); a pin checks it against the component's main module. */
  world: WorldName;
  /** File name of the component, beside the plugin's folder. */
  component: string;
  /** sha256 (hex) of the component. */
  sha256: string;
  /** Interfaces the component imports, as jco names them ("cni:host/link"): its capability list. */
  imports: string[];
  exports: string[];
  /** Core module file → sha256, in the plugin's folder. */
  coreModules: Record<string, string>;
  /** The core module that holds the plugin's code (the others are wit-component's shims). */
  main: string;
}

/** One path segment, not "." or "..": a file right in the folder it is read from. */
const PLAIN_FILE = /^(?!\.\.?$)[A-Za-z0-9._-]{1,255}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Built on first use, as the other schemas are (policy-file.ts). */
function buildMetaSchema() {
  const file = (what: string) => z.string().check(z.regex(PLAIN_FILE, `must be a plain file name in the plugin's folder (${what})`));
  const sha = z.string().check(z.regex(HEX64, "must be a sha256 in lower-case hex"));
  return z.object({
    name: z.string(),
    world: z.enum(WORLD_NAMES),
    component: file("the component, beside the folder"),
    sha256: sha,
    imports: z.array(z.string()),
    exports: z.array(z.string()),
    coreModules: z.record(file("a core module"), sha),
    main: file("a core module"),
  }).check(z.refine((m) => Object.hasOwn(m.coreModules, m.main), { message: "must be one of coreModules", path: ["main"] }));
}
let metaSchema: ReturnType<typeof buildMetaSchema> | undefined;

/** The plugin folder's meta.json, checked; throws an Error naming the file and the field. */
export function readMeta(dir: string): ComponentMeta {
  const path = join(dir, "meta.json");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = (metaSchema ??= buildMetaSchema()).safeParse(raw);
  if (!parsed.success) throw new Error(describeZodError(path, parsed.error));
  return parsed.data;
}
