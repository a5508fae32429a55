import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MovieLensFormatError, PLAYER, RecsimEnv } from "@league/envs";
import { describe, expect, it } from "vitest";
import {
  createBaseline,
  loadMovieLens,
  loadMovieLensModel,
  MOVIELENS_SAMPLE_DIR,
  playDuplicate,
} from "../../src/index.js";

describe("recommender baselines", () => {
  it("personalised baselines beat popularity on the simulator", () => {
    // Measured over 10 seeds (200 steps): regret linucb-slate ~75, mf ~78, random ~82, popularity
    // ~94, standard errors 1-4; 5 seeds keep the 15-point gaps at several standard errors.
    const result = playDuplicate({
      env: "recsim-slate-5",
      policies: ["popularity", "mf", "linucb-slate", "rec-random"],
      seeds: [1, 2, 3, 4, 5],
      rankBy: "regret",
    });
    const [pop, mf, lin] = result.entries;
    expect(mf!.meanRegret).toBeLessThan(pop!.meanRegret);
    expect(lin!.meanRegret).toBeLessThan(pop!.meanRegret);
    expect(pop!.rank).toBe(4);
  });

  it("is deterministic across runs", () => {
    const play = () =>
      playDuplicate({
        env: "recsim-slate-5",
        policies: ["mf", "rec-random"],
        seeds: [7],
        envOverrides: { horizon: 60 },
      });
    expect(play()).toEqual(play());
  });

  it("always shows k distinct items", () => {
    const policy = createBaseline("mf", { numItems: 8, slateSize: 5, numUsers: 2, epsilon: 1 });
    policy.reset(1);
    const obs = new Float32Array(13);
    for (let t = 0; t < 50; t++) expect(new Set(policy.act(obs)).size).toBe(5);
    expect(() => createBaseline("popularity", { numItems: 3, slateSize: 4 })).toThrow(
      "slateSize (k) must be <= numItems = 3, got 4",
    );
    expect(() => createBaseline("linucb-slate", { numItems: 3, slateSize: 2, latentDim: 2 })).toThrow(
      /itemFeatures/,
    );
  });
});

describe("MovieLens loader", () => {
  it("loads the shipped sample and turns it into a simulator model", () => {
    const data = loadMovieLens(MOVIELENS_SAMPLE_DIR);
    expect(data.movies).toHaveLength(40);
    expect(data.users).toHaveLength(30);
    expect(data.ratings).toHaveLength(362);
    const model = loadMovieLensModel(MOVIELENS_SAMPLE_DIR, { latentDim: 4, seed: 1, epochs: 30 });
    expect(model.numItems).toBe(new Set(data.ratings.map((r) => r.movieId)).size);
    const makeEnv = () => new RecsimEnv({ model, slateSize: 3, numUsers: 5, horizon: 20 });
    const result = playDuplicate({ env: makeEnv, policies: ["linucb-slate", "popularity"], seeds: [1, 2] });
    for (const e of result.entries) expect(e.meanReturn).toBeGreaterThanOrEqual(0);
    const env = makeEnv();
    env.reset(0);
    expect(env.step({ [PLAYER]: new Float32Array([0, 1, 2]) }).infos[PLAYER]!.regret).toBeGreaterThanOrEqual(
      0,
    );
  });

  it("names the file and line of a malformed record, and the path of a missing file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "movielens-"));
    writeFileSync(path.join(dir, "ratings.dat"), "1::1::5::978300760\n1::2::five::978300761\n", "latin1");
    expect(() => loadMovieLens(dir)).toThrow(MovieLensFormatError);
    expect(() => loadMovieLens(dir)).toThrow(
      'ratings.dat:2: Rating must be an integer in [1, 5], got "five"',
    );
    expect(() => loadMovieLens(path.join(dir, "nowhere"))).toThrow(/ratings\.dat not found/);
  });
});
