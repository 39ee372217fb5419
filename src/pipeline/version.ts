/** Engine identity recorded in the lock and mixed into fingerprints: bump to invalidate every cell. */
export const ENGINE_VERSION = "0.1.0";
export const ENGINE = `strata@${ENGINE_VERSION}`;
