/**
 * The one error that crosses the CNI wire: what a plugin prints on stdout when a verb fails.
 * Mirrors libcni's `types.Error` (pkg/types/types.go) plus the `cniVersion` key that SPEC.md
 * asks for. Everything the host throws at the edge ends up as one of these.
 */

import { CURRENT_VERSION } from "./current-version";

/**
 * Error codes 0-99 are reserved by the spec (SPEC.md, "Error"); 100+ belong to plugins.
 * INVALID_NETNS (8) is not in SPEC.md's table but libcni's skel uses it, so runtimes know it.
 */
export const CniErrorCode = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODE_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  INVALID_NETNS: 8,
  TRY_AGAIN_LATER: 11,
  PLUGIN_NOT_AVAILABLE: 50,
  LIMITED_CONNECTIVITY: 51,
  INTERNAL: 999,
} as const;

export type CniErrorCodeName = keyof typeof CniErrorCode;

/** First code a plugin may use for its own errors. */
export const FIRST_PLUGIN_ERROR_CODE = 100;

/** The JSON object printed on stdout for a failed call. */
export interface CniErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export interface CniErrorOptions {
  cause?: unknown;
  cniVersion?: string;
}

export class CniError extends Error {
  override readonly name = "CniError";
  readonly code: number;
  readonly msg: string;
  readonly details: string | undefined;
  /** Version stamped on the wire; unset until the edge knows the config's version. */
  readonly cniVersion: string | undefined;

  constructor(code: number, msg: string, details?: string, options?: CniErrorOptions) {
    super(details ? `${msg}; ${details}` : msg, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.msg = msg;
    this.details = details || undefined;
    this.cniVersion = options?.cniVersion;
  }

  /** The same error stamped with the version of the call (the error stays immutable). */
  withVersion(cniVersion: string): CniError {
    return new CniError(this.code, this.msg, this.details, { cause: this.cause, cniVersion });
  }

  /**
   * The error result structure of SPEC.md; `details` is omitted when empty, as in libcni.
   * Takes no argument so that `JSON.stringify(err)` gives the same object.
   */
  toJSON(): CniErrorJson {
    const json: CniErrorJson = { cniVersion: this.cniVersion ?? CURRENT_VERSION, code: this.code, msg: this.msg };
    if (this.details !== undefined) json.details = this.details;
    return json;
  }
}

/**
 * At the edge a CniError passes through unchanged and anything else becomes 999 with its
 * message, as skel's `checkVersionAndCall` does ("don't wrap Error in Error"). The original is
 * kept as `cause` so that the edge can still print its stack.
 */
export function toCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new CniError(CniErrorCode.INTERNAL, msg || "unknown error", undefined, { cause: e });
}
