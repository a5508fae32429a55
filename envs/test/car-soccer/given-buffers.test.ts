import { describe, expect, it } from "vitest";
import { CarSoccerState, CarSoccerVecEnv } from "../../src/index.js";

function shared<K extends string>(lengths: Record<K, number>): Record<K, SharedArrayBuffer> {
  const out = {} as Record<K, SharedArrayBuffer>;
  for (const key of Object.keys(lengths) as K[]) out[key] = new SharedArrayBuffer(lengths[key]);
  return out;
}

describe("car-soccer state and env over given buffers", () => {
  it("step in the memory they were given: a twin over the same buffers sees every step", () => {
    const state = shared(CarSoccerState.byteLengths(3, 1));
    const outputs = shared(CarSoccerVecEnv.outputByteLengths(3, 2, new CarSoccerVecEnv(1).observationSize));
    const env = new CarSoccerVecEnv(3, {
      stateBuffers: state,
      outputBuffers: outputs,
    });
    const twin = new CarSoccerVecEnv(3, { stateBuffers: state, outputBuffers: outputs });
    const alone = new CarSoccerVecEnv(3);
    env.reset(5);
    alone.reset(5);
    const actions = new Float32Array(3 * 2 * 8).fill(1);
    for (let i = 0; i < 20; i++) {
      env.step(actions);
      alone.step(actions);
    }
    expect(twin.state.hashArena(2)).toBe(alone.state.hashArena(2));
    expect(Array.from(twin.observations)).toEqual(Array.from(alone.observations));
    expect(twin.state.ball.buffer).toBe(state.ball);
  });

  it("refuses a buffer of the wrong size, naming it", () => {
    const state = shared(CarSoccerState.byteLengths(2, 1));
    expect(() => new CarSoccerState(2, 2, state)).toThrow(/cars buffer has \d+ bytes, expected \d+/);
  });
});
