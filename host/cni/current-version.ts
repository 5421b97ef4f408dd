/**
 * The spec version this host implements: what plugins return, what errors carry when the
 * config's own version is not known yet. A file of its own so that errors.ts and version.ts
 * can both use it without importing each other.
 */
export const CURRENT_VERSION = "1.1.0";
