// Trained model agents shipped with the server (server/builtins/<dir>/: a league checkpoint, i.e.
// agent.json + model.json + weights), entered in their league as model agents of the system owner
// "league", so the ladder has a learned opponent beside the scripted bots. Each goes through the
// same validation as an upload. Registered idempotently at start.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Prisma, PrismaClient } from "@league/db";
import { describePolicyIO } from "@league/envs";
import { startingRating } from "../ratings.js";
import { createNextVersion } from "../storage/versions.js";
import { validateSubmission } from "../submissions/validate.js";
import { SYSTEM_OWNER } from "./builtins.js";

export interface TrainedAgent {
  /** Agent name in the league. */
  name: string;
  /** Folder under the builtins directory holding the checkpoint. */
  dir: string;
  description: string;
}

/**
 * The shipped checkpoints. How each was produced is in server/builtins/README.md (the exact
 * command, its step budget and what it measured: win rate against the ball-chaser, regret
 * against UCB1 and Thompson sampling on held-out instances).
 */
export const TRAINED_AGENTS: readonly TrainedAgent[] = [
  {
    name: "ppo-selfplay",
    dir: "ppo-selfplay-1v1",
    description:
      "PPO trained 1v1 in 60 minutes with a Lucy-SKG-style kinesthetic reward combination, by curriculum self-play (PFSP over every built-in bot and its past snapshots); bench/learn-car-soccer",
  },
  {
    name: "ppo-selfplay-2v2",
    dir: "ppo-selfplay-2v2",
    description:
      "PPO trained 2v2 in 60 minutes, one shared policy for both teammates, with a weighted-sum reward by curriculum self-play (PFSP over teams of every built-in bot and its past snapshots); bench/learn-car-soccer",
  },
  {
    name: "ppo-history",
    dir: "ppo-history-bernoulli-10",
    description:
      "Meta-learned PPO bandit policy on its own history (per-arm posterior mean and 1/sqrt(pulls+1), t/horizon: the history observation builder), trained over random Bernoulli instances; bench/learn-bandit",
  },
];

/** server/builtins, next to src/ and dist/. */
export const BUILTINS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../builtins");

async function checkpointFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const name of ["agent.json", "model.json"]) {
    files.set(name, await readFile(path.join(dir, name)));
  }
  const modelJson = JSON.parse(Buffer.from(files.get("model.json")!).toString("utf8")) as {
    weightsManifest?: { paths?: unknown }[];
  };
  for (const group of modelJson.weightsManifest ?? []) {
    for (const weightPath of Array.isArray(group.paths) ? group.paths : []) {
      // Only plain names: a shipped model.json must not reach outside its own folder.
      if (
        typeof weightPath !== "string" ||
        !/^[A-Za-z0-9._-]+$/.test(weightPath) ||
        weightPath.startsWith(".")
      )
        throw new Error(
          `${dir}/model.json: weight path ${JSON.stringify(weightPath)} is not a plain file name`,
        );
      files.set(weightPath, await readFile(path.join(dir, weightPath)));
    }
  }
  return files;
}

/**
 * Creates what is missing; returns how many versions it created and the agents whose folder is
 * absent (an image built without server/builtins still starts). A broken checkpoint throws, naming it.
 */
export async function registerTrainedAgents(
  prisma: PrismaClient,
  options: { dir?: string; agents?: readonly TrainedAgent[] } = {},
): Promise<{ created: number; missing: string[] }> {
  const root = options.dir ?? BUILTINS_DIR;
  const owner = await prisma.owner.upsert({
    where: { name: SYSTEM_OWNER },
    create: { name: SYSTEM_OWNER },
    update: {},
  });
  let created = 0;
  const missing: string[] = [];
  for (const trained of options.agents ?? TRAINED_AGENTS) {
    const dir = path.join(root, trained.dir);
    if (!existsSync(dir)) {
      missing.push(trained.name);
      continue;
    }
    let validated: ReturnType<typeof validateSubmission>;
    try {
      validated = validateSubmission(await checkpointFiles(dir), (m) =>
        describePolicyIO(m.env, m.observationBuilder, m.actionParser),
      );
    } catch (error) {
      throw new Error(`built-in trained agent ${trained.name} (${dir}): ${(error as Error).message}`);
    }
    const envId = validated.manifest.env;
    const league = await prisma.league.findUnique({ where: { id: envId } });
    if (!league) continue;
    const agent = await prisma.agent.upsert({
      where: { ownerId_name: { ownerId: owner.id, name: trained.name } },
      create: { ownerId: owner.id, name: trained.name, kind: "model", description: trained.description },
      // The description follows the shipped checkpoint (it names how that one was trained).
      update: { description: trained.description },
    });
    // A new checkpoint under the same name becomes a new version; the same bytes are not added twice.
    const existing = await prisma.agentVersion.findFirst({
      where: { agentId: agent.id, artifactSha256: validated.sha256 },
    });
    if (existing) continue;
    await createNextVersion(prisma, agent.id, {
      envId,
      manifest: validated.manifest as unknown as Prisma.InputJsonValue,
      artifact: new Uint8Array(validated.artifact),
      artifactSize: validated.artifact.byteLength,
      artifactSha256: validated.sha256,
      // Validated like an upload just above, and shipped by the league itself.
      status: "active",
      ratings: { create: startingRating(league) },
    });
    created++;
  }
  return { created, missing };
}
