// Ratings with OpenSkill (Weng-Lin): teams, multi-player rankings, and the conservative ordinal.
import { predictDraw, rate } from "openskill";
import { bradleyTerryFull, plackettLuce, thurstoneMostellerFull } from "openskill/models";

export const RATING_MODELS = { plackettLuce, bradleyTerryFull, thurstoneMostellerFull } as const;
export type RatingModelName = keyof typeof RATING_MODELS;

export interface Skill {
  mu: number;
  sigma: number;
}

/** A league's rating parameters, as stored on the league. */
export interface RatingParams {
  model: string;
  mu: number;
  sigma: number;
  beta: number;
  tau: number;
}

export class RatingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RatingError";
  }
}

/** The leaderboard's sort key: a skill the player exceeds with ~99.7% confidence. */
export function ordinal(skill: Skill): number {
  return skill.mu - 3 * skill.sigma;
}

/** A version's first rating in a league: the league's default skill. */
export function startingRating(league: { id: string; mu: number; sigma: number }) {
  return { leagueId: league.id, mu: league.mu, sigma: league.sigma, ordinal: ordinal(league) };
}

function options(params: RatingParams) {
  const model = RATING_MODELS[params.model as RatingModelName];
  if (!model) {
    throw new RatingError(
      `unknown rating model "${params.model}"; known: ${Object.keys(RATING_MODELS).join(", ")}`,
    );
  }
  return { model, mu: params.mu, sigma: params.sigma, beta: params.beta, tau: params.tau };
}

/**
 * New skills after one match. `ranks[i]` is team i's place (1 = best; equal ranks are a draw).
 * Returns skills in the same shape as `teams`.
 */
export function rateMatch(params: RatingParams, teams: Skill[][], ranks: number[]): Skill[][] {
  if (teams.length < 2) throw new RatingError(`a rated match needs at least 2 teams, got ${teams.length}`);
  if (ranks.length !== teams.length) {
    throw new RatingError(`ranks has ${ranks.length} entries for ${teams.length} teams`);
  }
  for (const [i, team] of teams.entries()) {
    if (team.length === 0) throw new RatingError(`team ${i} has no players`);
    for (const s of team) {
      if (!Number.isFinite(s.mu) || !(s.sigma > 0))
        throw new RatingError(`team ${i} has an invalid skill ${JSON.stringify(s)}`);
    }
  }
  for (const rank of ranks) {
    if (!Number.isInteger(rank) || rank < 1)
      throw new RatingError(`ranks must be integers >= 1, got ${rank}`);
  }
  const rated = rate(
    teams.map((team) => team.map((s) => ({ mu: s.mu, sigma: s.sigma }))),
    { ...options(params), rank: ranks },
  );
  return rated.map((team) => team.map((s) => ({ mu: s.mu, sigma: s.sigma })));
}

/** How even a pairing is (OpenSkill's draw probability, 0..1): the scheduler prefers high values. */
export function matchQuality(params: RatingParams, teams: Skill[][]): number {
  return predictDraw(teams, options(params));
}
