/**
 * Version negotiation, after libcni's pkg/version: which spec versions this host speaks, the
 * VERSION answer, and the checks skel makes before calling a verb. Plugins are written against
 * CURRENT_VERSION only; everything older is the host's business (convert.ts).
 */
import { CURRENT_VERSION } from "./current-version";
import { CniError, CniErrorCode } from "./errors";

export { CURRENT_VERSION };

/**
 * Oldest first: every released spec version, as libcni's `version.All`. `convert.ts` keys its
 * table by this type, so a version added here without converters fails tsc.
 */
export const SUPPORTED_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;
export type SupportedVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The answer to CNI_COMMAND=VERSION. */
export interface VersionResponse {
  cniVersion: string;
  supportedVersions: string[];
}

/** libcni reads a config without `cniVersion` as 0.1.0 (pkg/version/conf.go). */
export const VERSION_WHEN_ABSENT = "0.1.0";

/** The oldest config version that may ask for a verb (skel's checks for CHECK, GC, STATUS). */
const MIN_VERSION_FOR_VERB: Readonly<Record<string, string>> = {
  CHECK: "0.4.0",
  GC: "1.1.0",
  STATUS: "1.1.0",
};

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function isSupportedVersion(v: string): v is SupportedVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** Numeric major.minor.patch comparison; <0, 0, >0 like a sort comparator. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function parseVersion(v: string): [number, number, number] {
  const m = SEMVER.exec(v);
  if (!m) throw new CniError(CniErrorCode.DECODE_FAILURE, `invalid version "${v}": expected major.minor.patch`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Fails with code 1 unless the config's version is one the host speaks. The message follows
 * libcni's reconciler: `incompatible CNI versions; config is "0.9.0", plugin supports [...]`.
 */
export function checkConfigVersion(configVersion: string): SupportedVersion {
  if (isSupportedVersion(configVersion)) return configVersion;
  throw new CniError(
    CniErrorCode.INCOMPATIBLE_VERSION,
    "incompatible CNI versions",
    `config is ${JSON.stringify(configVersion)}, plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
  );
}

/** CHECK needs a 0.4.0+ config and GC/STATUS a 1.1.0+ one; older configs never defined them. */
export function checkVerbAllowed(verb: string, configVersion: string): void {
  const min = MIN_VERSION_FOR_VERB[verb];
  if (min !== undefined && compareVersions(configVersion, min) < 0) {
    throw new CniError(
      CniErrorCode.INCOMPATIBLE_VERSION,
      `config version does not allow ${verb}`,
      `${verb} needs cniVersion ${min} or later, config is ${JSON.stringify(configVersion)}`,
    );
  }
}

/**
 * SPEC.md: `cniVersion` echoes the version on input. skel ignores stdin for VERSION and
 * answers its own current version; we echo a well-formed input version and fall back to ours.
 */
export function versionResponse(inputVersion?: string): VersionResponse {
  const cniVersion = inputVersion !== undefined && SEMVER.test(inputVersion) ? inputVersion : CURRENT_VERSION;
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}
