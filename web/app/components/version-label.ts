/** The server's system owner: built-in agents (scripted baselines, shipped checkpoints) are its. */
export const SYSTEM_OWNER = "league";

/**
 * A version as a reader should read it. A built-in scripted bot is registered once per league it
 * plays, so its version number only counts leagues: it is shown as "built-in" instead.
 */
export function versionLabel(version: number, ownerName: string, kind?: string): string {
  if (ownerName !== SYSTEM_OWNER) return `v${version}`;
  return kind === undefined || kind === "scripted" ? "built-in" : `v${version} · built-in`;
}
