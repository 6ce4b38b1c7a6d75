import type { VersionInfo } from "./secret-store";

/**
 * "v<N+1>" past the highest numbered version: deterministic, so a retried put
 * is idempotent. The rotation protocol names its pending versions so, and the
 * kms store names the version it puts when a secret's target changes.
 */
export function nextVersionId(versions: readonly Pick<VersionInfo, "versionId">[]): string {
  const highest = versions.reduce((max, v) => {
    const m = /^v(\d+)$/.exec(v.versionId);
    return m ? Math.max(max, Number(m[1])) : max;
  }, 0);
  return `v${highest + 1}`;
}
