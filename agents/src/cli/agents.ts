// What an <agent> on the command line names, and which environment a command plays: a checkpoint
// folder (its agent.json says the env), a checkpoint shipped with the league by its league name
// (`ppo-selfplay`), or a scripted player of the env (a bandit baseline, a car-soccer bot).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getEnvSpec, makeDuplicateEnv, UnknownEnvError } from "@league/envs";
import { baselinesFor } from "../baselines/registry.js";
import { CAR_SOCCER_BOTS } from "../scripted/car-soccer.js";
import { UsageError } from "./players.js";

/**
 * The league's shipped checkpoints (server/builtins in this repository), read as files: agents
 * imports nothing of the server. LEAGUE_BUILTINS points elsewhere.
 */
export const BUILTINS_DIR =
  process.env.LEAGUE_BUILTINS ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../server/builtins");

export interface BuiltinAgent {
  /** Its name in the league, e.g. `ppo-selfplay`. */
  name: string;
  /** Its checkpoint folder. */
  dir: string;
  env: string;
}

export type ResolvedAgent =
  | { kind: "checkpoint"; spec: string; dir: string; env: string }
  | { kind: "scripted"; spec: string };

const BANDIT_DEFAULT_ENV = "bandit-bernoulli-10";
const CAR_SOCCER_DEFAULT_ENV = "car-soccer-1v1";
const carBots = CAR_SOCCER_BOTS.map((b) => b.name);

function manifestEnv(dir: string): string {
  let manifest: { env?: unknown };
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, "agent.json"), "utf8"));
  } catch (error) {
    throw new UsageError(`${dir}/agent.json: ${(error as Error).message}`);
  }
  if (typeof manifest.env !== "string") throw new UsageError(`${dir}/agent.json names no env`);
  return manifest.env;
}

/**
 * The shipped checkpoints. A folder is named `<league name>-<the end of its env id>`, as the
 * server enters them (`ppo-selfplay-1v1` plays car-soccer-1v1 as `ppo-selfplay`,
 * `ppo-history-bernoulli-10` plays bandit-bernoulli-10 as `ppo-history`).
 */
export function builtinAgents(root = BUILTINS_DIR): BuiltinAgent[] {
  if (!existsSync(root)) return [];
  const agents: BuiltinAgent[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const dir = path.join(root, entry.name);
    if (!entry.isDirectory() || !existsSync(path.join(dir, "agent.json"))) continue;
    const env = manifestEnv(dir);
    const parts = entry.name.split("-");
    let name = entry.name;
    // The longest tail of the folder name that ends the env id leaves the league name.
    for (let i = 1; i < parts.length; i++) {
      if (env.endsWith(`-${parts.slice(i).join("-")}`)) {
        name = parts.slice(0, i).join("-");
        break;
      }
    }
    agents.push({ name, dir, env });
  }
  return agents.sort((a, b) => a.name.localeCompare(b.name));
}

/** A checkpoint folder, a shipped agent by name (or folder name), or else a scripted player's name. */
export function resolveAgent(spec: string, builtins = builtinAgents()): ResolvedAgent {
  if (existsSync(path.join(spec, "agent.json")))
    return { kind: "checkpoint", spec, dir: spec, env: manifestEnv(spec) };
  const shipped = builtins.find((b) => b.name === spec || path.basename(b.dir) === spec);
  if (shipped) return { kind: "checkpoint", spec, dir: shipped.dir, env: shipped.env };
  return { kind: "scripted", spec };
}

/** The scripted players of an environment: car-soccer bots, or the baselines a bandit or recommender env runs. */
export function scriptedPlayers(envId: string): string[] {
  return getEnvSpec(envId).family === "car-soccer" ? carBots : baselinesFor(makeDuplicateEnv(envId));
}

/**
 * The environment of a command: the one its checkpoints were trained for (they must agree, and
 * agree with `--env`), else `--env`, else car soccer when a name is a car-soccer bot only, else the
 * Bernoulli bandit. Every scripted name must be a player of that env.
 */
export function environmentOf(
  agents: ResolvedAgent[],
  given: string | undefined,
  builtins = builtinAgents(),
): string {
  if (given !== undefined) {
    try {
      getEnvSpec(given);
    } catch (error) {
      if (error instanceof UnknownEnvError) throw new UsageError(error.message);
      throw error;
    }
  }
  const checkpoints = agents.filter((a) => a.kind === "checkpoint");
  const first = checkpoints[0];
  for (const c of checkpoints) {
    const expected = given ?? first!.env;
    if (c.env !== expected)
      throw new UsageError(
        `${c.spec} plays ${c.env}, not ${expected}${given === undefined ? ` (${first!.spec} plays ${first!.env})` : ""}`,
      );
  }
  const banditNames = scriptedPlayers(BANDIT_DEFAULT_ENV);
  const envId =
    given ??
    first?.env ??
    (agents.some((a) => carBots.includes(a.spec) && !banditNames.includes(a.spec))
      ? CAR_SOCCER_DEFAULT_ENV
      : BANDIT_DEFAULT_ENV);
  for (const a of agents) {
    if (a.kind === "checkpoint") continue;
    const known = scriptedPlayers(envId);
    if (known.includes(a.spec)) continue;
    const shipped = builtins.filter((b) => b.env === envId).map((b) => b.name);
    throw new UsageError(
      `"${a.spec}" is neither a checkpoint folder, a built-in agent nor a bot of ${envId}; bots: ${known.join(", ")}; built-in agents: ${shipped.join(", ") || "none"}`,
    );
  }
  return envId;
}
