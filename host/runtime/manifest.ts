/**
 * A plugin's own statement of what it needs, embedded in the component as the custom section
 * `wasm-cni:manifest` (JSON). It grants nothing: the import list and the operator's policy
 * decide. It lets a reviewer compare what the author asks for with what the policy gives
 * (`wasm-cni inspect`) before a plugin is ever run. tools/plugin-build.ts embeds
 * `manifest.json` from a plugin's folder when there is one. The plugins we ship are where a
 * manifest does decide: the build compiles theirs into their built-in grants
 * (tools/builtin-grants.ts), read at a call without parsing any manifest.
 */
import * as z from "zod/mini";
import { describeZodError } from "../cni/zod-issue";
import { appendCustomSection } from "./component-binary";
import { WORLD_NAMES } from "./worlds";

export const MANIFEST_SECTION = "wasm-cni:manifest";

const manifestSchema = z.object({
  name: z.string(),
  version: z.optional(z.string()),
  /** The world it is built for: "plugin" (a CNI plugin, the default) or "controller" (wasm-cni agent's). */
  world: z.optional(z.enum(WORLD_NAMES)),
  capabilities: z._default(
    z.object({
      /** WIT interfaces of cni:host it means to import. */
      interfaces: z.optional(z.array(z.string())),
      /** Needs the host's network namespace (netns.host). */
      hostNetns: z.optional(z.boolean()),
      /** Kinds of link it creates. */
      linkKinds: z.optional(z.array(z.string())),
      /** sysctl keys it reads or writes. */
      sysctl: z.optional(z.array(z.string())),
      /** Sets the net.* keys its config names, in the container's netns (tuning). */
      sysctlFromConfig: z.optional(z.boolean()),
      /** IPAM plugins it delegates to. */
      delegates: z.optional(z.array(z.string())),
      /** CPU time it needs per call. */
      timeLimitMs: z.optional(z.int().check(z.minimum(1))),
    }),
    {},
  ),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** A manifest section that is present but not valid: reported, never trusted. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

/** Parses the section's bytes; throws ManifestError naming what is wrong. */
export function parseManifest(payload: Uint8Array): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch (e) {
    throw new ManifestError(`${MANIFEST_SECTION} is not JSON: ${(e as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) throw new ManifestError(describeZodError(MANIFEST_SECTION, parsed.error));
  return parsed.data;
}

/** The component with `manifest` embedded (checked first, so a broken one never ships). */
export function embedManifest(component: Uint8Array, manifest: unknown): Uint8Array {
  const payload = Buffer.from(JSON.stringify(manifest), "utf8");
  parseManifest(payload);
  return appendCustomSection(component, MANIFEST_SECTION, payload);
}
