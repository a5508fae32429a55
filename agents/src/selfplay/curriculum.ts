// Task curriculum: stages from the run config (state setters and a reward spec each), moved on
// when the learner's score over its last games meets the stage's threshold.
import type { CurriculumStage } from "./config.js";
import type { OpponentPool } from "./pool.js";

export interface StageChange {
  from: number;
  to: number;
  fromName: string;
  toName: string;
  globalStep: number;
  /** The score that met the threshold, and over how many games. */
  winRate: number;
  games: number;
}

export class Curriculum {
  /** The pool's game count when the current stage began: earlier games do not count for it. */
  stageStartGame = 0;

  constructor(
    readonly stages: readonly CurriculumStage[],
    public index = 0,
  ) {
    if (stages.length === 0) throw new RangeError("a curriculum needs at least one stage");
    if (!(Number.isInteger(index) && index >= 0 && index < stages.length))
      throw new RangeError(`stage index ${index} is outside the curriculum's ${stages.length} stages`);
  }

  get stage(): CurriculumStage {
    return this.stages[this.index]!;
  }

  /** The stage's score so far: over its last `games` games against the opponents it counts. */
  progress(pool: OpponentPool<unknown>): { rate: number | null; games: number } {
    const rule = this.stage.advanceWhen;
    if (!rule) return { rate: null, games: 0 };
    const filter = rule.opponent ? (id: string) => id === rule.opponent : undefined;
    return pool.recentWinRate(rule.games, filter, this.stageStartGame);
  }

  /** Advances one stage when the threshold is met over a full window of games; returns the change. */
  check(pool: OpponentPool<unknown>, globalStep: number): StageChange | null {
    const rule = this.stage.advanceWhen;
    if (!rule || this.index === this.stages.length - 1) return null;
    const { rate, games } = this.progress(pool);
    if (rate === null || games < rule.games || rate < rule.winRate) return null;
    const change: StageChange = {
      from: this.index,
      to: this.index + 1,
      fromName: this.stage.name,
      toName: this.stages[this.index + 1]!.name,
      globalStep,
      winRate: rate,
      games,
    };
    this.index++;
    this.stageStartGame = pool.pastGames;
    return change;
  }
}
