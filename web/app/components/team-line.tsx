// Team matches (car-soccer 2v2 and 3v3) read as two teams, blue and orange, each with its
// players — not as a list of six names. One-player-per-team and duplicate matches are unchanged.

export interface TeamSeat {
  slot: number;
  team: number;
  score: number | null;
  rank: number | null;
  agent: { name: string };
}

export interface Team {
  team: number;
  label: "Blue" | "Orange";
  names: string[];
  score: number | null;
  won: boolean;
}

/** The two teams of a team match (blue first), or null when no team has more than one player. */
export function teamsOf(participants: readonly TeamSeat[]): Team[] | null {
  const teams = new Map<number, TeamSeat[]>();
  for (const p of participants) teams.set(p.team, [...(teams.get(p.team) ?? []), p]);
  if (teams.size !== 2 || ![...teams.values()].some((t) => t.length > 1)) return null;
  return [0, 1].map((team) => {
    const seats = [...(teams.get(team) ?? [])].sort((a, b) => a.slot - b.slot);
    return {
      team,
      label: team === 0 ? "Blue" : "Orange",
      names: seats.map((s) => s.agent.name),
      score: seats[0]?.score ?? null,
      won: seats[0]?.rank === 1 && (teams.get(1 - team)?.[0]?.rank ?? 1) !== 1,
    };
  });
}

/** "Blue: a, b vs Orange: c, d" for a team match; otherwise the names joined by " vs ". */
export function matchTitle(participants: readonly TeamSeat[]): string {
  const teams = teamsOf(participants);
  if (!teams) return participants.map((p) => p.agent.name).join(" vs ");
  return teams.map((t) => `${t.label}: ${t.names.join(", ")}`).join(" vs ");
}

/** A team match's line in a match list: each team's players and score, the winner marked. */
export function TeamLine({ teams }: { teams: Team[] }) {
  return (
    <>
      {teams.map((t, i) => (
        <span key={t.team} className={t.won ? "winner" : undefined}>
          {i > 0 && <span className="muted"> vs </span>}
          <span className={t.team === 0 ? "team-blue" : "team-orange"}>{t.label}</span> {t.names.join(", ")}
          {t.score !== null && <span className="muted"> {t.score}</span>}
        </span>
      ))}
    </>
  );
}
