// MovieLens 1M files (GroupLens), parsed from their text; reading the files is the caller's job
// (see `loadMovieLens` in @league/agents). Format, one record a line, fields separated by "::":
//   ratings.dat  UserID::MovieID::Rating::Timestamp    (rating an integer 1–5, timestamp in seconds)
//   movies.dat   MovieID::Title::Genres                 (genres separated by "|")
//   users.dat    UserID::Gender::Age::Occupation::Zip-code
import { check, isInt } from "../bandits/errors.js";
import { Rng } from "../rng.js";
import type { RecsimModel } from "./model.js";

export interface MovieLensRating {
  userId: number;
  movieId: number;
  rating: number;
  timestamp: number;
}

export interface MovieLensMovie {
  movieId: number;
  title: string;
  genres: string[];
}

export interface MovieLensUser {
  userId: number;
  gender: "M" | "F";
  age: number;
  occupation: number;
  zip: string;
}

export interface MovieLensData {
  ratings: MovieLensRating[];
  movies: MovieLensMovie[];
  users: MovieLensUser[];
}

/** A line that is not a valid record: the message names the file and the 1-based line. */
export class MovieLensFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = "MovieLensFormatError";
  }
}

function records(
  text: string,
  file: string,
  fields: number,
  each: (f: string[], line: number) => void,
): void {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "") continue;
    const f = raw.split("::");
    if (f.length !== fields)
      throw new MovieLensFormatError(
        file,
        i + 1,
        `expected ${fields} fields separated by "::", got ${f.length}: "${raw}"`,
      );
    each(f, i + 1);
  }
}

function int(
  file: string,
  line: number,
  name: string,
  s: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = /^-?\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN;
  if (!isInt(n, min, max))
    throw new MovieLensFormatError(file, line, `${name} must be an integer in [${min}, ${max}], got "${s}"`);
  return n;
}

export function parseRatings(text: string, file = "ratings.dat"): MovieLensRating[] {
  const out: MovieLensRating[] = [];
  records(text, file, 4, (f, line) => {
    out.push({
      userId: int(file, line, "UserID", f[0]!, 1),
      movieId: int(file, line, "MovieID", f[1]!, 1),
      rating: int(file, line, "Rating", f[2]!, 1, 5),
      timestamp: int(file, line, "Timestamp", f[3]!, 0),
    });
  });
  return out;
}

export function parseMovies(text: string, file = "movies.dat"): MovieLensMovie[] {
  const out: MovieLensMovie[] = [];
  records(text, file, 3, (f, line) => {
    const title = f[1]!.trim();
    if (title === "") throw new MovieLensFormatError(file, line, "Title is empty");
    out.push({
      movieId: int(file, line, "MovieID", f[0]!, 1),
      title,
      genres: f[2]!.split("|").filter(Boolean),
    });
  });
  return out;
}

export function parseUsers(text: string, file = "users.dat"): MovieLensUser[] {
  const out: MovieLensUser[] = [];
  records(text, file, 5, (f, line) => {
    const gender = f[1]!.trim();
    if (gender !== "M" && gender !== "F")
      throw new MovieLensFormatError(file, line, `Gender must be "M" or "F", got "${f[1]}"`);
    out.push({
      userId: int(file, line, "UserID", f[0]!, 1),
      gender,
      age: int(file, line, "Age", f[2]!, 1, 120),
      occupation: int(file, line, "Occupation", f[3]!, 0, 20),
      zip: f[4]!.trim(),
    });
  });
  return out;
}

/**
 * Parses the three files' texts; ratings must name known movies and users when those files are
 * given (the error names ratings.dat and the line).
 */
export function parseMovieLens(texts: { ratings: string; movies?: string; users?: string }): MovieLensData {
  const ratings = parseRatings(texts.ratings);
  const movies = texts.movies === undefined ? [] : parseMovies(texts.movies);
  const users = texts.users === undefined ? [] : parseUsers(texts.users);
  const movieIds = new Set(movies.map((m) => m.movieId));
  const userIds = new Set(users.map((u) => u.userId));
  const lineOf = lineNumbers(texts.ratings);
  ratings.forEach((r, i) => {
    if (movies.length > 0 && !movieIds.has(r.movieId))
      throw new MovieLensFormatError("ratings.dat", lineOf[i]!, `MovieID ${r.movieId} is not in movies.dat`);
    if (users.length > 0 && !userIds.has(r.userId))
      throw new MovieLensFormatError("ratings.dat", lineOf[i]!, `UserID ${r.userId} is not in users.dat`);
  });
  return { ratings, movies, users };
}

function lineNumbers(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() !== "") out.push(i + 1);
  });
  return out;
}

export interface MovieLensModelOptions {
  /** Latent dimension of the factorisation. Defaults to 8. */
  latentDim?: number;
  /** Seed of the factorisation's initialisation and sample order. Defaults to 0. */
  seed?: number;
  /** Passes of stochastic gradient descent over the ratings. Defaults to 60. */
  epochs?: number;
  /** Noise added to a fitted user's interests when the simulator draws a user. Defaults to 0.1. */
  userNoise?: number;
}

/**
 * Turns real ratings into the simulator's model by matrix factorisation (biased SGD, Funk style):
 * rating ≈ mean + bias_i + u·v_i. Items are the rated movies; item features are the fitted v_i and
 * the item bias the fitted bias_i (in stars); the user pool is the fitted u of every rater, so the
 * simulator's users are real users' tastes (plus a little noise). Deterministic for a seed.
 */
export function movieLensModel(data: MovieLensData, options: MovieLensModelOptions = {}): RecsimModel {
  const d = options.latentDim ?? 8;
  const epochs = options.epochs ?? 60;
  const userNoise = options.userNoise ?? 0.1;
  check(isInt(d, 1, 1024), "latentDim", "an integer >= 1", d);
  check(isInt(epochs, 0, 100_000), "epochs", "an integer >= 0", epochs);
  check(data.ratings.length > 0, "ratings", "non-empty (empty catalogue)", data.ratings.length);
  const itemIndex = new Map<number, number>();
  const userIndex = new Map<number, number>();
  for (const r of data.ratings) {
    if (!itemIndex.has(r.movieId)) itemIndex.set(r.movieId, itemIndex.size);
    if (!userIndex.has(r.userId)) userIndex.set(r.userId, userIndex.size);
  }
  const M = itemIndex.size;
  const U = userIndex.size;
  const rng = new Rng(options.seed ?? 0, 0x3d1);
  const P = new Float64Array(U * d);
  const Q = new Float64Array(M * d);
  for (let i = 0; i < P.length; i++) P[i] = rng.normal(0, 0.1);
  for (let i = 0; i < Q.length; i++) Q[i] = rng.normal(0, 0.1);
  const bias = new Float64Array(M);
  let mean = 0;
  for (const r of data.ratings) mean += r.rating;
  mean /= data.ratings.length;
  const us = Int32Array.from(data.ratings, (r) => userIndex.get(r.userId)!);
  const is = Int32Array.from(data.ratings, (r) => itemIndex.get(r.movieId)!);
  const ys = Float64Array.from(data.ratings, (r) => r.rating - mean);
  const order = Int32Array.from(ys, (_, i) => i);
  const lr = 0.02;
  const reg = 0.05;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    for (const n of order) {
      const u = us[n]! * d;
      const it = is[n]! * d;
      let pred = bias[is[n]!]!;
      for (let f = 0; f < d; f++) pred += P[u + f]! * Q[it + f]!;
      const err = ys[n]! - pred;
      bias[is[n]!]! += lr * (err - reg * bias[is[n]!]!);
      for (let f = 0; f < d; f++) {
        const pu = P[u + f]!;
        const qi = Q[it + f]!;
        P[u + f] = pu + lr * (err * qi - reg * pu);
        Q[it + f] = qi + lr * (err * pu - reg * qi);
      }
    }
  }
  const titles = new Map(data.movies.map((m) => [m.movieId, m.title]));
  const ids = [...itemIndex.keys()];
  return {
    numItems: M,
    latentDim: d,
    itemFeatures: Float32Array.from(Q),
    itemBias: Float32Array.from(bias),
    userPool: Float32Array.from(P),
    userNoise,
    itemIds: ids,
    itemTitles: ids.map((id) => titles.get(id) ?? `movie ${id}`),
  };
}
