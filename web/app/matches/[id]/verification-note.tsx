// What the server found when it stored this match (Match.verified / verification): a car-soccer
// replay re-simulated to every hash and to its score and goals, or a duplicate result recomputed
// from its seeds and the seats' recorded choices.

interface Verification {
  kind?: string;
  hashesChecked?: number;
  episodes?: number;
  seeds?: number;
  seats?: number;
  steps?: number;
}

export function VerificationNote({
  verified,
  verification,
  error,
}: {
  verified: boolean | null | undefined;
  verification: unknown;
  error: string | null;
}) {
  if (verified === null || verified === undefined) return null;
  const v = (verification ?? {}) as Verification;
  const duplicate = v.kind === "duplicate-recompute";
  if (!verified)
    return (
      <p className="verify bad" data-testid="match-verified">
        ✗ {duplicate ? "result not recomputed" : "replay not verified"} when stored:{" "}
        {error ?? "no reason recorded"}
      </p>
    );
  return (
    <p className="verify good" data-testid="match-verified">
      {duplicate
        ? `✓ result recomputed: the ${v.seats} seats' recorded choices on the ${v.seeds} seeds give exactly the returns and regrets shown (${v.steps} steps replayed when stored)`
        : `✓ replay verified when stored: ${v.episodes === 1 ? "its episode" : `${v.episodes} episodes`} re-simulated to all ${v.hashesChecked} state hashes, the score and every goal's time`}
    </p>
  );
}
