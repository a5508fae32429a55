import { describe, expect, it } from "vitest";
import {
  BanditConfigError,
  ctr,
  dcgAtK,
  hitRateAtK,
  MovieLensFormatError,
  movieLensModel,
  ndcgAtK,
  PLAYER,
  parseMovieLens,
  RECSIM_OBS_HEADER,
  RecsimEnv,
  RecsimVectorEnv,
  Rng,
} from "../../src/index.js";

describe("recommender metrics (hand-computed)", () => {
  it("click-through rate", () => {
    expect(ctr(3, 12)).toBe(0.25);
    expect(ctr(0, 0)).toBe(0);
    expect(() => ctr(5, 4)).toThrow("clicks must be in [0, impressions = 4], got 5");
  });

  it("hit rate at k", () => {
    const rankings = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ];
    const relevant = [[3], [9], new Set([7])];
    // k = 2: only user 2 finds item 7 in [7, 8]; k = 3: user 0 finds 3 as well; 9 is never shown.
    expect(hitRateAtK(rankings, relevant, 2)).toBeCloseTo(1 / 3, 12);
    expect(hitRateAtK(rankings, relevant, 3)).toBeCloseTo(2 / 3, 12);
    expect(() => hitRateAtK(rankings, relevant, 0)).toThrow("k must be an integer >= 1, got 0");
  });

  it("NDCG at k with linear gain", () => {
    const relevance = new Map([
      [20, 3],
      [30, 2],
      [40, 1],
    ]);
    // DCG = 0/log2(2) + 3/log2(3) + 2/log2(4) = 2.892789…; ideal = 3 + 2/log2(3) + 1/2 = 4.761860….
    expect(dcgAtK([10, 20, 30], relevance, 3)).toBeCloseTo(2.8927892607, 9);
    expect(ndcgAtK([10, 20, 30], relevance, 3)).toBeCloseTo(0.607491518, 9);
    // k = 2: 3/log2(3) over 3 + 2/log2(3).
    expect(ndcgAtK([10, 20, 30], relevance, 2)).toBeCloseTo(0.4441228664, 9);
    expect(ndcgAtK([20, 30, 40], relevance, 3)).toBeCloseTo(1, 12);
    expect(ndcgAtK([1, 2], new Map(), 2)).toBe(0);
  });
});

/** A random slate of k distinct items. */
function randomSlate(rng: Rng, numItems: number, k: number): Float32Array {
  const slate = new Float32Array(k);
  for (let j = 0; j < k; j++) {
    let item: number;
    do item = rng.int(numItems);
    while (slate.subarray(0, j).includes(item));
    slate[j] = item;
  }
  return slate;
}

describe("recommender simulator", () => {
  const config = { numItems: 30, numUsers: 4, latentDim: 4, slateSize: 3, horizon: 50, catalogueSeed: 2 };

  it("repeats exactly for a seed, and the single env matches instance 0 of the vectorised env", () => {
    const run = (seed: number) => {
      const env = new RecsimEnv(config);
      const rng = new Rng(1);
      const out = [...env.reset(seed).observations[PLAYER]!];
      for (let t = 0; t < 50; t++) {
        const r = env.step({ [PLAYER]: randomSlate(rng, 30, 3) });
        out.push(r.rewards[PLAYER]!, r.infos[PLAYER]!.regret as number, ...r.observations[PLAYER]!);
      }
      return out;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));

    const single = new RecsimEnv(config);
    const vec = new RecsimVectorEnv(config, 3);
    let obs = single.reset(7).observations[PLAYER]!;
    vec.reset(7);
    const rng = new Rng(9);
    const actions = new Float32Array(9);
    for (let t = 0; t < 50; t++) {
      expect(Array.from(vec.observations.subarray(0, vec.observationSize))).toEqual(Array.from(obs));
      for (let e = 0; e < 3; e++) actions.set(randomSlate(rng, 30, 3), e * 3);
      const r = single.step({ [PLAYER]: actions.subarray(0, 3) });
      vec.step(actions);
      expect(vec.rewards[0]).toBe(r.rewards[PLAYER]);
      expect(vec.regrets[0]).toBe(r.infos[PLAYER]!.regret);
      expect(vec.clicks[0]).toBe(r.infos[PLAYER]!.clicked);
      obs = r.observations[PLAYER]!;
    }
    expect(vec.terminated[0]).toBe(1);
    expect(vec.finalReturns[0]).toBe(single.engine.episodeReturns[0]);
  });

  it("measures regret against the myopic top-k oracle, never negative per step", () => {
    const env = new RecsimEnv(config);
    env.reset(1);
    const rng = new Rng(2);
    for (let t = 0; t < 50; t++) {
      const info = env.step({ [PLAYER]: randomSlate(rng, 30, 3) }).infos[PLAYER]!;
      const p = info.expectedReward as number;
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
      expect(info.regret as number).toBeGreaterThanOrEqual(-1e-12);
      expect(info.oracleReward as number).toBeGreaterThanOrEqual(p - 1e-12);
    }
  });

  it("saturates: the same slate shown again and again to one user gets ever less likely to be clicked", () => {
    const env = new RecsimEnv({ ...config, numUsers: 1, driftRate: 0 });
    env.reset(3);
    const slate = new Float32Array([0, 1, 2]);
    let last = Number.POSITIVE_INFINITY;
    for (let t = 0; t < 20; t++) {
      const p = env.step({ [PLAYER]: slate }).infos[PLAYER]!.expectedReward as number;
      expect(p).toBeLessThanOrEqual(last + 1e-12);
      last = p;
    }
  });

  it("shows the click in the next observation and keeps the user's click profile", () => {
    const env = new RecsimEnv({ ...config, numUsers: 1 });
    env.reset(0);
    const v = env.config.model.itemFeatures;
    for (let t = 0; t < 50; t++) {
      const r = env.step({ [PLAYER]: new Float32Array([t % 30, (t + 1) % 30, (t + 2) % 30]) });
      const obs = r.observations[PLAYER]!;
      const clicked = r.infos[PLAYER]!.clicked as number;
      expect(obs[4]).toBe(clicked);
      expect(r.rewards[PLAYER]).toBe(clicked >= 0 ? 1 : 0);
      if (clicked >= 0 && obs[3] === 1 / (t + 1)) {
        // First click: the profile is that item's features.
        expect(Array.from(obs.subarray(RECSIM_OBS_HEADER))).toEqual(
          Array.from(v.subarray(clicked * 4, clicked * 4 + 4)),
        );
      }
    }
  });

  it("rejects bad parameters and bad slates", () => {
    expect(() => new RecsimEnv({ numItems: 0 })).toThrow(BanditConfigError);
    expect(() => new RecsimEnv({ numItems: 0 })).toThrow(
      "numItems (catalogue size) must be an integer >= 1, got 0",
    );
    expect(() => new RecsimEnv({ numItems: 3, slateSize: 4 })).toThrow(
      "slateSize (k) must be <= numItems = 3, got 4",
    );
    expect(() => new RecsimEnv({ fatigueDecay: 2 })).toThrow(
      "fatigueDecay must be a number in [0, 1], got 2",
    );
    const env = new RecsimEnv(config);
    env.reset(0);
    expect(() => env.step({ [PLAYER]: new Float32Array([1, 1, 2]) })).toThrow("shows item 1 twice");
    expect(() => env.step({ [PLAYER]: new Float32Array([1, 2, 30]) })).toThrow(
      "item must be in [0, 30), got 30",
    );
    expect(() => env.step({ [PLAYER]: new Float32Array([1, 2]) })).toThrow(/must hold 3/);
  });
});

describe("MovieLens parsing and model", () => {
  const movies =
    "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Heat (1995)::Action|Crime|Thriller\n3::Fargo (1996)::Crime|Drama|Thriller\n";
  const users = "1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::15::55117\n";
  const ratings = [
    "1::1::5::978300760",
    "1::2::1::978302109",
    "1::3::2::978301968",
    "2::1::1::978300275",
    "2::2::5::978824291",
    "2::3::4::978302268",
    "3::1::5::978300719",
    "3::2::2::978302268",
  ].join("\n");

  it("parses the three files", () => {
    const data = parseMovieLens({ ratings, movies, users });
    expect(data.ratings).toHaveLength(8);
    expect(data.ratings[1]).toEqual({ userId: 1, movieId: 2, rating: 1, timestamp: 978302109 });
    expect(data.movies[0]).toEqual({
      movieId: 1,
      title: "Toy Story (1995)",
      genres: ["Animation", "Children's", "Comedy"],
    });
    expect(data.users[1]).toEqual({ userId: 2, gender: "M", age: 56, occupation: 16, zip: "70072" });
  });

  it("names the file and the line of a malformed record", () => {
    const bad = `${ratings}\n4::1::6::978300000`;
    expect(() => parseMovieLens({ ratings: bad })).toThrow(MovieLensFormatError);
    expect(() => parseMovieLens({ ratings: bad })).toThrow(
      'ratings.dat:9: Rating must be an integer in [1, 5], got "6"',
    );
    expect(() => parseMovieLens({ ratings: "1::1::5" })).toThrow(
      'ratings.dat:1: expected 4 fields separated by "::", got 3',
    );
    expect(() => parseMovieLens({ ratings, movies: "1::Toy Story\n" })).toThrow(
      "movies.dat:1: expected 3 fields",
    );
    expect(() => parseMovieLens({ ratings, users: "1::X::1::10::48067\n" })).toThrow(
      'users.dat:1: Gender must be "M" or "F"',
    );
    expect(() => parseMovieLens({ ratings: "1::9::5::0", movies })).toThrow(
      "ratings.dat:1: MovieID 9 is not in movies.dat",
    );
  });

  it("factorises the ratings into a model that ranks each user's movies as they rated them", () => {
    const data = parseMovieLens({ ratings, movies, users });
    const model = movieLensModel(data, { latentDim: 2, seed: 1, epochs: 400 });
    expect(model.numItems).toBe(3);
    expect(model.itemTitles).toEqual(["Toy Story (1995)", "Heat (1995)", "Fargo (1996)"]);
    expect(model.userPool.length).toBe(3 * 2);
    const predict = (u: number, i: number) =>
      model.itemBias[i]! +
      model.userPool[u * 2]! * model.itemFeatures[i * 2]! +
      model.userPool[u * 2 + 1]! * model.itemFeatures[i * 2 + 1]!;
    // User 1 loves Toy Story and dislikes Heat; user 2 the opposite.
    expect(predict(0, 0)).toBeGreaterThan(predict(0, 1));
    expect(predict(1, 1)).toBeGreaterThan(predict(1, 0));
    expect(movieLensModel(data, { latentDim: 2, seed: 1, epochs: 400 })).toEqual(model);
    const env = new RecsimEnv({ model, slateSize: 2, numUsers: 3, horizon: 5 });
    env.reset(0);
    expect(env.step({ [PLAYER]: new Float32Array([0, 1]) }).rewards[PLAYER]).toBeGreaterThanOrEqual(0);
  });
});
