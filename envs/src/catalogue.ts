import type { EnvSpec } from "./spec.js";

const CAR_SOCCER_TICK_RATE = 120;
const CAR_SOCCER_TICK_SKIP = 8;
// A five-minute game: 300 s * 120 ticks / 8 ticks per decision.
const CAR_SOCCER_GAME_STEPS = (300 * CAR_SOCCER_TICK_RATE) / CAR_SOCCER_TICK_SKIP;

function carSoccer(teamSize: 1 | 2 | 3): EnvSpec {
  return {
    id: `car-soccer-${teamSize}v${teamSize}`,
    version: 1,
    family: "car-soccer",
    title: `Car soccer ${teamSize}v${teamSize}`,
    description: `Rocket-League-like car soccer, ${teamSize} car${teamSize > 1 ? "s" : ""} a side, five-minute games.`,
    numAgents: teamSize * 2,
    numTeams: 2,
    tickRate: CAR_SOCCER_TICK_RATE,
    tickSkip: CAR_SOCCER_TICK_SKIP,
    maxEpisodeSteps: CAR_SOCCER_GAME_STEPS,
    matchFormat: "head-to-head",
  };
}

// A 1,000-pull single-player bandit played in duplicate (every agent meets the same seeded instance).
function bandit(id: string, title: string, description: string): EnvSpec {
  return {
    id,
    version: 1,
    family: "bandit",
    title,
    description,
    numAgents: 1,
    numTeams: 1,
    tickRate: 0,
    tickSkip: 1,
    maxEpisodeSteps: 1000,
    matchFormat: "duplicate",
  };
}

/** Every environment the platform knows, by id. Frozen so no caller can change the catalogue. */
export const ENV_SPECS: Readonly<Record<string, EnvSpec>> = Object.freeze(
  Object.fromEntries(
    (
      [
        carSoccer(1),
        carSoccer(2),
        carSoccer(3),
        bandit(
          "bandit-bernoulli-10",
          "Bernoulli bandit, 10 arms",
          "Stationary 10-armed Bernoulli bandit, 1,000 pulls; every agent plays the same seeded instance.",
        ),
        bandit(
          "bandit-gaussian-10",
          "Gaussian bandit, 10 arms",
          "Stationary 10-armed Gaussian bandit (unit noise), 1,000 pulls.",
        ),
        bandit(
          "bandit-switching-10",
          "Switching bandit, 10 arms",
          "Piecewise-stationary Bernoulli bandit: every arm's mean is redrawn at random change points.",
        ),
        bandit(
          "bandit-drifting-10",
          "Drifting bandit, 10 arms",
          "Bernoulli bandit whose arm means drift slowly as random walks.",
        ),
        bandit(
          "bandit-contextual-10",
          "Contextual linear bandit, 10 arms",
          "A context vector each round; each arm pays linearly in it, plus noise.",
        ),
        bandit(
          "bandit-lsd-10",
          "Satiating bandit, 10 arms",
          "Last-switch-dependent 10-armed bandit: payoffs fall with consecutive pulls and recover with rest.",
        ),
        {
          id: "recsim-slate-5",
          version: 1,
          family: "recommender",
          title: "Recommender, slates of 5",
          description:
            "Simulated users with drifting, saturating interests; recommend 5 items a step, rewarded by clicks.",
          numAgents: 1,
          numTeams: 1,
          tickRate: 0,
          tickSkip: 1,
          maxEpisodeSteps: 200,
          matchFormat: "duplicate",
        },
      ] satisfies EnvSpec[]
    ).map((spec) => [spec.id, Object.freeze(spec)] as const),
  ),
);

export class UnknownEnvError extends Error {
  constructor(readonly envId: string) {
    super(`unknown environment "${envId}"; known: ${Object.keys(ENV_SPECS).join(", ")}`);
    this.name = "UnknownEnvError";
  }
}

export function getEnvSpec(id: string): EnvSpec {
  const spec = ENV_SPECS[id];
  if (!spec) throw new UnknownEnvError(id);
  return spec;
}
