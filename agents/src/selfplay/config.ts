// The run config of `league train` for car soccer: environment parts, reward, PPO, self-play and
// curriculum stages, validated with the path of a bad field.
import {
  BallInAirSetter,
  DEFAULT_KICKOFF_JITTER,
  KickoffSetter,
  LOOSE_BALL,
  RandomStateSetter,
  type StateSetter,
  WeightedSetter,
} from "@league/envs";
import { z } from "zod";
import { PpoSettings } from "../ppo/settings.js";
import {
  DEFAULT_CAR_SOCCER_REWARD,
  parseRewardSpec,
  type RewardSpec,
  RewardSpecError,
} from "../rewards/car-soccer.js";
import { CAR_SOCCER_BOTS } from "../scripted/car-soccer.js";

const SETTERS = {
  kickoff: () => new KickoffSetter(),
  "kickoff-jitter": () => new KickoffSetter({ jitter: DEFAULT_KICKOFF_JITTER }),
  random: () => new RandomStateSetter(),
  "loose-ball": () => new RandomStateSetter(LOOSE_BALL),
  "ball-in-air": () => new BallInAirSetter(),
} as const;
export type SetterName = keyof typeof SETTERS;

const SetterWeights = z.record(z.string(), z.number().finite().min(0)).superRefine((weights, ctx) => {
  for (const name of Object.keys(weights))
    if (!(name in SETTERS))
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: `unknown state setter; known: ${Object.keys(SETTERS).join(", ")}`,
      });
  if (!Object.values(weights).some((w) => w > 0))
    ctx.addIssue({ code: "custom", message: "at least one state setter needs a weight > 0" });
});

/** A reward spec, parsed here once: the run config carries the typed spec. */
const RewardField = z.unknown().transform((spec, ctx): RewardSpec => {
  try {
    return parseRewardSpec(spec);
  } catch (error) {
    if (!(error instanceof RewardSpecError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
    return z.NEVER;
  }
});

const Stage = z
  .object({
    name: z.string().min(1),
    /** State setters and their weights for this stage's resets. */
    stateSetter: SetterWeights.default({ kickoff: 1 }),
    /** This stage's reward spec (default: the run's). */
    reward: RewardField.optional(),
    /** Move to the next stage once the learner's score over the last `games` games is at least `winRate`. */
    advanceWhen: z
      .object({
        winRate: z.number().min(0).max(1),
        games: z.number().int().positive(),
        /** Count only games against this pool entry (e.g. "bot:ball-chaser"); default all past opponents. */
        opponent: z.string().optional(),
      })
      .strict()
      .optional(),
    /**
     * This stage's opponent mix (default: the run's selfplay settings): the shares of games against
     * the latest self and against scripted bots, and which of the pool's bots may be drawn.
     */
    opponents: z
      .object({
        latestShare: z.number().min(0).max(1).optional(),
        scriptedShare: z.number().min(0).max(1).optional(),
        scripted: z.array(z.string()).min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type CurriculumStage = z.infer<typeof Stage>;

const botNames = CAR_SOCCER_BOTS.map((b) => b.name);

export const CarSoccerTrainConfig = z
  .object({
    env: z.string().regex(/^car-soccer-/, "a car-soccer environment id"),
    out: z.string().min(1),
    name: z.string().min(1).max(64).default("ppo-car-soccer"),
    /** Agent-steps (learner cars × decisions) of the whole run: `--resume latest` goes on to this total. */
    totalSteps: z.number().int().positive(),
    numEnvs: z.number().int().min(1).max(4096).default(32),
    /** Stop after this many seconds of training (at the end of an iteration), if before totalSteps. */
    maxSeconds: z.number().positive().nullable().default(null),
    seed: z.number().int().default(1),
    /** Save the checkpoint every this many PPO iterations (and at the end). */
    checkpointEvery: z.number().int().positive().default(10),
    tickSkip: z.number().int().min(1).max(120).default(8),
    /**
     * Worker threads stepping slices of the arenas beside the main thread (0: all on the main
     * thread). The same seed gives the same run with any count.
     */
    rolloutWorkers: z.number().int().min(0).max(64).default(0),
    observationBuilder: z.enum(["default", "advanced"]).default("default"),
    /** Only the 90-row lookup table: the PPO trainer drives one discrete choice. */
    actionParser: z.literal("lookup").default("lookup"),
    /** Training episodes are cut after this much simulated time (league games last 300 s). */
    episodeSeconds: z.number().positive().max(300).default(300),
    noTouchSeconds: z.number().positive().nullable().default(null),
    reward: RewardField.default(DEFAULT_CAR_SOCCER_REWARD),
    ppo: PpoSettings,
    selfplay: z
      .object({
        /** Share of games against the learner itself (OpenAI Five: 0.8). */
        latestShare: z.number().min(0).max(1).default(0.5),
        /** Share of games against the scripted bots (PFSP among them); latestShare + this <= 1. */
        scriptedShare: z.number().min(0).max(1).default(0),
        /** PFSP weighting of past opponents: f_hard (1-x)^p, f_var x(1-x), or uniform. */
        weighting: z.enum(["hard", "variance", "uniform"]).default("hard"),
        power: z.number().positive().default(2),
        /** Freeze the learner into the pool every this many iterations. */
        snapshotEvery: z.number().int().positive().default(10),
        maxSnapshots: z.number().int().min(0).max(64).default(8),
        /** Scripted bots always in the pool. */
        scripted: z
          .array(
            z
              .string()
              .refine((b) => botNames.includes(b), { message: `unknown bot; known: ${botNames.join(", ")}` }),
          )
          .default(["ball-chaser"]),
        /** Results per opponent behind its win-rate estimate, and games behind the logged win rate. */
        window: z.number().int().positive().default(100),
      })
      .strict()
      .default({
        latestShare: 0.5,
        scriptedShare: 0,
        weighting: "hard",
        power: 2,
        snapshotEvery: 10,
        maxSnapshots: 8,
        scripted: ["ball-chaser"],
        window: 100,
      }),
    /**
     * Periodic games against a scripted bot on their own seeds (greedy, league rules), as
     * Stable-Baselines3's EvalCallback: the best result so far is kept as the `best` checkpoint.
     */
    evaluation: z
      .object({
        /** Evaluate every this many PPO iterations (and at the end). */
        every: z.number().int().positive().default(10),
        games: z.number().int().min(2).max(1000).default(50),
        bot: z
          .string()
          .refine((b) => botNames.includes(b), { message: `unknown bot; known: ${botNames.join(", ")}` })
          .default("ball-chaser"),
        /** Bots to play, `games` games each (replaces `bot`); the built-in ones: LEAGUE_BOTS. */
        bots: z
          .array(
            z
              .string()
              .refine((b) => botNames.includes(b), { message: `unknown bot; known: ${botNames.join(", ")}` }),
          )
          .min(1)
          .optional(),
        /** League rules (300 s games, goals counted) or the first-goal rule; see evaluateVsBots. */
        rules: z.enum(["league", "first-goal"]).default("league"),
        /** Game length under league rules, time limit under the first-goal rule. */
        seconds: z.number().positive().max(300).default(300),
        /** `best` is the evaluation with the highest worst per-bot win rate, or the highest mean. */
        select: z.enum(["worst", "mean"]).default("worst"),
        /** First game's seed; keep these apart from the seeds a final test uses. */
        seed: z.number().int().default(2_000_000),
        /** How evaluation games start; jittered kickoffs make every seed its own game. */
        stateSetter: SetterWeights.default({ "kickoff-jitter": 1 }),
      })
      .strict()
      .optional(),
    curriculum: z
      .array(Stage)
      .min(1)
      .default([{ name: "full game", stateSetter: { kickoff: 1 } }]),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.selfplay.latestShare + config.selfplay.scriptedShare > 1)
      ctx.addIssue({
        code: "custom",
        path: ["selfplay", "scriptedShare"],
        message: `latestShare + scriptedShare must be <= 1, got ${config.selfplay.latestShare} + ${config.selfplay.scriptedShare}`,
      });
    config.curriculum.forEach((stage, i) => {
      const mix = stage.opponents;
      for (const [j, bot] of (mix?.scripted ?? []).entries())
        if (!config.selfplay.scripted.includes(bot))
          ctx.addIssue({
            code: "custom",
            path: ["curriculum", i, "opponents", "scripted", j],
            message: `"${bot}" is not in selfplay.scripted (${config.selfplay.scripted.join(", ") || "none"})`,
          });
      const latest = mix?.latestShare ?? config.selfplay.latestShare;
      const scripted = mix?.scriptedShare ?? config.selfplay.scriptedShare;
      if (latest + scripted > 1)
        ctx.addIssue({
          code: "custom",
          path: ["curriculum", i, "opponents"],
          message: `latestShare + scriptedShare must be <= 1, got ${latest} + ${scripted}`,
        });
    });
    // A stage counting games against an opponent that is never in the pool would never advance.
    config.curriculum.forEach((stage, i) => {
      const opponent = stage.advanceWhen?.opponent;
      if (opponent === undefined || config.selfplay.scripted.some((b) => opponent === `bot:${b}`)) return;
      ctx.addIssue({
        code: "custom",
        path: ["curriculum", i, "advanceWhen", "opponent"],
        message: `"${opponent}" is not in the pool; name a scripted bot of selfplay.scripted as bot:<name> (${config.selfplay.scripted.map((b) => `bot:${b}`).join(", ") || "none"})`,
      });
    });
  });
export type CarSoccerTrainConfig = z.infer<typeof CarSoccerTrainConfig>;

export class TrainConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainConfigError";
  }
}

/** Parses a run config; a bad one is refused with the path of the first bad field. */
export function parseCarSoccerTrainConfig(input: unknown, where = "config"): CarSoccerTrainConfig {
  const result = CarSoccerTrainConfig.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  throw new TrainConfigError(`${where}: ${path.replace(/^\./, "") || "(root)"}: ${issue.message}`);
}

/** A state setter drawing among the named ones by weight. */
export function makeStateSetter(weights: Record<string, number>): StateSetter {
  const entries = Object.entries(weights)
    .filter(([, w]) => w > 0)
    .map(([name, w]) => [SETTERS[name as SetterName](), w] as const);
  return entries.length === 1 ? entries[0]![0] : new WeightedSetter(entries);
}
