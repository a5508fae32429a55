import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type MovieLensData,
  type MovieLensModelOptions,
  movieLensModel,
  parseMovieLens,
  type RecsimModel,
} from "@league/envs";

/** The small hand-made sample shipped with the repository, in the ML-1M format. */
export const MOVIELENS_SAMPLE_DIR = fileURLToPath(
  new URL("../../fixtures/movielens-sample", import.meta.url),
);

/**
 * Reads a MovieLens 1M directory (`ratings.dat`, and `movies.dat` and `users.dat` when present).
 * The files are ISO-8859-1, as GroupLens ships them. Nothing is downloaded: without the files
 * this throws, naming the path. A malformed line throws `MovieLensFormatError` naming file and line.
 */
export function loadMovieLens(dir: string): MovieLensData {
  const read = (name: string, required: boolean): string | undefined => {
    const file = path.join(dir, name);
    if (!existsSync(file)) {
      if (required)
        throw new Error(`MovieLens: ${file} not found (download ML-1M from GroupLens and unpack it there)`);
      return undefined;
    }
    return readFileSync(file, "latin1");
  };
  const ratings = read("ratings.dat", true)!;
  const movies = read("movies.dat", false);
  const users = read("users.dat", false);
  return parseMovieLens({
    ratings,
    ...(movies === undefined ? {} : { movies }),
    ...(users === undefined ? {} : { users }),
  });
}

/** `loadMovieLens` then `movieLensModel`: the simulator's user and item model from real ratings. */
export function loadMovieLensModel(dir: string, options: MovieLensModelOptions = {}): RecsimModel {
  return movieLensModel(loadMovieLens(dir), options);
}
