// A model agent's inference budget in a match whose cars idle on controller errors (as the live
// room's do): once timed out, the model is never run again, so it cannot keep stalling the room.
import { createCarSoccerBot, ModelCarPolicy } from "@league/agents";
import { CONTROL_SIZE, carSoccerConstants, carSoccerParts, getEnvSpec } from "@league/envs";
import { describe, expect, it } from "vitest";
import { CarSoccerMatch } from "../src/match/car-soccer-match.js";
import { TimeBudgetedPolicy } from "../src/match/time-budget.js";

const LEAGUE = "car-soccer-1v1";
const SECONDS = 10;

/** A fake model whose every `slowEvery`-th inference takes 80 ms of the fake clock (budget 50 ms). */
function fakeModel(slowEvery: number) {
  const model = {
    calls: 0,
    clock: 0,
    logits: (_observation: Float32Array) => {
      model.calls++;
      model.clock += model.calls % slowEvery === 0 ? 80 : 1;
      return new Float32Array(90);
    },
  };
  return model;
}

function playLive(controller: TimeBudgetedPolicy): CarSoccerMatch {
  const match = new CarSoccerMatch({
    spec: getEnvSpec(LEAGUE),
    seed: 1,
    controllers: [controller, createCarSoccerBot("ball-chaser")],
    durationSeconds: SECONDS,
    goalPauseSeconds: 0,
    kickoffPauseSeconds: 0,
  });
  while (!match.done) match.tick();
  return match;
}

describe("model inference budget in a live-style match", () => {
  const { obsBuilder, actionParser } = carSoccerParts("default", "lookup");
  const decisions = (SECONDS * carSoccerConstants.TICK_RATE) / getEnvSpec(LEAGUE).tickSkip!;

  it("times a model out after its forgiven overruns and never runs it again", () => {
    const model = fakeModel(1); // every inference over budget
    const slow = new TimeBudgetedPolicy(
      new ModelCarPolicy("slow v1", model, obsBuilder, actionParser, 1),
      50,
      3,
      () => model.clock,
    );
    const match = playLive(slow);
    expect(decisions).toBe(150);
    // Three overruns forgiven, the fourth times it out; no inference after that.
    expect(model.calls).toBe(4);
    expect(slow.overruns).toBe(4);
    expect(slow.timedOut?.message).toBe("slow v1 exceeded its 50 ms inference budget 4 times");
    // The match went on to its whistle with the car idling, every skipped decision counted.
    expect(match.controllerErrors).toEqual([decisions - 3, 0]);
    expect(Array.from(match.engine.state.controls.subarray(0, CONTROL_SIZE))).toEqual(
      Array(CONTROL_SIZE).fill(0),
    );
  });

  it("forgives late decisions that are not in a row (a loaded machine), and counts them all", () => {
    const model = fakeModel(2); // every other inference over budget: 75 overruns, never two in a row
    const sporadic = new TimeBudgetedPolicy(
      new ModelCarPolicy("sporadic v1", model, obsBuilder, actionParser, 1),
      50,
      3,
      () => model.clock,
    );
    const match = playLive(sporadic);
    expect(model.calls).toBe(decisions);
    expect(sporadic.overruns).toBe(75);
    expect(sporadic.timedOut).toBeNull();
    expect(match.controllerErrors).toEqual([0, 0]);
  });

  it("keeps a model that overruns fewer times than forgiven", () => {
    const model = fakeModel(10); // one inference in ten over budget: 15 overruns
    const ok = new TimeBudgetedPolicy(
      new ModelCarPolicy("bursty v1", model, obsBuilder, actionParser, 1),
      50,
      20,
      () => model.clock,
    );
    const match = playLive(ok);
    expect(model.calls).toBe(decisions);
    expect(ok.overruns).toBe(15);
    expect(ok.timedOut).toBeNull();
    expect(match.controllerErrors).toEqual([0, 0]);
  });
});
