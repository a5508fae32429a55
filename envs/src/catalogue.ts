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

/** Every environment the platform knows, by id. Frozen so no caller can change the catalogue. */
export const ENV_SPECS: Readonly<Record<string, EnvSpec>> = Object.freeze(
  Object.fromEntries(
    (
      [
        carSoccer(1),
        carSoccer(2),
        carSoccer(3),
        {
          id: "bandit-bernoulli-10",
          version: 1,
          family: "bandit",
          title: "Bernoulli bandit, 10 arms",
          description:
            "Stationary 10-armed Bernoulli bandit, 1,000 pulls; every agent plays the same seeded instance.",
          numAgents: 1,
          numTeams: 1,
          tickRate: 0,
          tickSkip: 1,
          maxEpisodeSteps: 1000,
          matchFormat: "duplicate",
        },
        {
          id: "bandit-lsd-10",
          version: 1,
          family: "bandit",
          title: "Satiating bandit, 10 arms",
          description:
            "Last-switch-dependent 10-armed bandit: payoffs fall with consecutive pulls and recover with rest.",
          numAgents: 1,
          numTeams: 1,
          tickRate: 0,
          tickSkip: 1,
          maxEpisodeSteps: 1000,
          matchFormat: "duplicate",
        },
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
