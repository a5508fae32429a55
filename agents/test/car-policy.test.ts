// loadCarPolicy on a tfjs checkpoint folder (the shipped ppo-selfplay): the controls it writes are
// the manifest's builder, the model's argmax and the manifest's parser, read by hand here; a
// checkpoint of another environment is refused naming it; a network without an answer idles the car.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CarSoccerEngine, CONTROL_SIZE, carSoccerParts } from "@league/envs";
import { describe, expect, it } from "vitest";
import { loadCarPolicy, ModelCarPolicy } from "../src/car-policy.js";
import { loadTf } from "../src/ppo/backend.js";
import { CheckpointError, loadPolicy } from "../src/ppo/checkpoint.js";
import { ModelPolicy } from "../src/ppo/model-policy.js";

const BUILTINS = fileURLToPath(new URL("../../server/builtins", import.meta.url));
const SELFPLAY = path.join(BUILTINS, "ppo-selfplay-1v1");
const BANDIT = path.join(BUILTINS, "ppo-history-bernoulli-10");

describe("loadCarPolicy on a tfjs checkpoint", () => {
  it("drives a car with the manifest's builder, the model's argmax and the manifest's parser", async () => {
    const policy = await loadCarPolicy(SELFPLAY, { envId: "car-soccer-1v1" });
    const runtime = await loadTf();
    const { manifest, actor } = await loadPolicy(runtime, SELFPLAY);
    const reference = new ModelPolicy(runtime, actor, {
      name: manifest.name,
      output: { kind: "argmax" },
      observationNormalization: manifest.observationNormalization,
    });
    const { obsBuilder, actionParser } = carSoccerParts(manifest.observationBuilder, manifest.actionParser);
    const engine = new CarSoccerEngine(1, { teamSize: 1 });
    const observation = new Float32Array(obsBuilder.size(1));
    const controls = new Float32Array(CONTROL_SIZE);
    const expected = new Float32Array(CONTROL_SIZE);
    try {
      expect(policy.name).toBe(manifest.name);
      expect(policy.observationSize).toBe(observation.length);
      for (let kickoff = 0; kickoff < 4; kickoff++) {
        engine.resetArena(0, 11, kickoff);
        for (const car of [0, 1]) {
          policy.act(engine.state, 0, car, controls);
          obsBuilder.build(engine.state, 0, car, observation, 0);
          const logits = reference.logits(observation);
          let best = 0;
          for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
          actionParser.parse(Float32Array.of(best), 0, expected, 0);
          expect(Array.from(controls)).toEqual(Array.from(expected));
        }
      }
      expect(policy.unanswered).toBe(0);
    } finally {
      policy.dispose();
      reference.dispose();
    }
  });

  it("refuses a checkpoint of another environment, naming it", async () => {
    await expect(loadCarPolicy(SELFPLAY, { envId: "car-soccer-2v2" })).rejects.toThrow(
      new CheckpointError(`${SELFPLAY} was trained for car-soccer-1v1, not car-soccer-2v2`),
    );
    await expect(loadCarPolicy(BANDIT)).rejects.toThrow(/plays bandit-bernoulli-10, not car soccer/);
    await expect(loadCarPolicy(path.join(BUILTINS, "no-such-agent"))).rejects.toThrow(
      /cannot read .*agent\.json/,
    );
  });
});

describe("ModelCarPolicy", () => {
  it("idles its car and counts the decision when the network gives no answer", () => {
    let answer: Float32Array | null = null;
    const policy = ModelCarPolicy.fromManifest(
      { name: "flaky", env: "car-soccer-1v1", observationBuilder: "default", actionParser: "lookup" },
      { logits: () => answer },
    );
    const engine = new CarSoccerEngine(1, { teamSize: 1 });
    engine.resetArena(0, 3, 0);
    const controls = new Float32Array(CONTROL_SIZE).fill(0.5);
    policy.act(engine.state, 0, 0, controls);
    expect(Array.from(controls)).toEqual(Array(CONTROL_SIZE).fill(0));
    expect(policy.unanswered).toBe(1);
    answer = new Float32Array(90);
    answer[7] = 1;
    policy.act(engine.state, 0, 0, controls);
    expect(policy.unanswered).toBe(1);
    expect(Array.from(policy.decide(new Float32Array(policy.observationSize))!)).toEqual([7]);
  });
});
