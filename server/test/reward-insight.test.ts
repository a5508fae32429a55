// Reward insight (issue 22): a car-soccer checkpoint that carries its reward spec has that reward
// analysed when it is validated, stored on the version, and served by the agent and league APIs.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, seedLeagues } from "../src/index.js";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { backfillRewardInsights, type RewardInsight } from "../src/league/reward-insight.js";
import { registerTrainedAgents } from "../src/league/trained-agents.js";
import { validatePendingVersions } from "../src/league/validation.js";
import { checkpointFiles, multipart } from "./fixtures.js";

const LEAGUE = "car-soccer-1v1";
const SHIPPED = path.resolve(import.meta.dirname, "../builtins/ppo-selfplay-1v1");

describe("reward insight at validation", () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    app = await buildApp({ db, version: "0.0.0-test" });
    key = (
      (await app.inject({ method: "POST", url: "/api/v1/owners", payload: { name: "ada" } })).json() as {
        apiKey: { key: string };
      }
    ).apiKey.key;
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  async function submit(
    agent: string,
    files: Map<string, Buffer>,
  ): Promise<{ versionId: string; agentId: string }> {
    const { payload, headers } = multipart({ agent }, files);
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/submissions",
      payload,
      headers: { ...headers, authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { versionId: string; agentId: string };
  }

  it("analyses the shipped ppo-selfplay checkpoint's reward and serves it beside its rating", async () => {
    // The shipped checkpoint, with a training trend whose shaped return rises while goals fall.
    const manifest = JSON.parse(await readFile(path.join(SHIPPED, "agent.json"), "utf8"));
    manifest.training.trend = Array.from({ length: 12 }, (_, i) => ({
      step: (i + 1) * 100_000,
      shaped: 10 + i,
      outcome: 0.5 - 0.03 * i,
    }));
    const files = new Map<string, Buffer>([
      ["agent.json", Buffer.from(JSON.stringify(manifest))],
      ["model.json", await readFile(path.join(SHIPPED, "model.json"))],
      ["weights.bin", await readFile(path.join(SHIPPED, "weights.bin"))],
    ]);
    const shipped = await submit("shaped", files);
    const plain = await submit(
      "plain",
      await checkpointFiles({
        env: LEAGUE,
        observationBuilder: "default",
        actionParser: "lookup",
        observationSize: 91,
        actionCount: 90,
      }),
    );
    const outcomes = await validatePendingVersions(db.prisma, { limit: 10 });
    expect(outcomes.map((o) => o.status)).toEqual(["active", "active"]);

    const row = await db.prisma.agentVersion.findUniqueOrThrow({ where: { id: shipped.versionId } });
    const insight = row.rewardAnalysis as unknown as RewardInsight;
    expect(insight.players).toEqual({ blue: "ball-chaser", orange: "defender" });
    // Every additive part of the spec, their magnitude shares summing to 1.
    // (The shipped checkpoint's KRC reward: run-krc.json of bench/learn-car-soccer.)
    expect(insight.components.map((c) => c.name)).toEqual([
      "goal",
      "concede",
      "shot",
      "save",
      "touch",
      "krc(velocity_player_to_ball, distance_player_to_ball)",
      "krc(velocity_ball_to_goal, distance_ball_to_goal)",
      "krc(align_ball_goal, velocity_player_to_ball, distance_player_to_ball)",
      "kickoff_speed",
      "boost_amount",
    ]);
    expect(insight.components.reduce((s, c) => s + c.shareOfMagnitude, 0)).toBeCloseTo(1, 9);
    expect(insight.distanceToGoals.epic).toBeGreaterThan(0);
    expect(insight.distanceToGoals.starc).toBeGreaterThan(0);
    expect(insight.hacking).toMatchObject({ flagged: true });
    expect(insight.flags.some((f) => f.startsWith("reward hacking: shaped return rises"))).toBe(true);
    // Without a reward spec there is nothing to analyse.
    expect(
      (await db.prisma.agentVersion.findUniqueOrThrow({ where: { id: plain.versionId } })).rewardAnalysis,
    ).toBeNull();

    const agent = (await app.inject({ method: "GET", url: `/api/v1/agents/${shipped.agentId}` })).json();
    expect(agent.versions[0].rewardAnalysis).toMatchObject({ distanceToGoals: insight.distanceToGoals });
    const plainAgent = (await app.inject({ method: "GET", url: `/api/v1/agents/${plain.agentId}` })).json();
    expect(plainAgent.versions[0].rewardAnalysis).toBeNull();

    const rewards = (await app.inject({ method: "GET", url: `/api/v1/leagues/${LEAGUE}/rewards` })).json();
    expect(rewards.items).toHaveLength(1);
    expect(rewards.items[0]).toMatchObject({
      versionId: shipped.versionId,
      agent: { name: "shaped" },
      rating: { games: 0 },
      rewardAnalysis: { distanceToGoals: insight.distanceToGoals },
    });
    const bandit = await app.inject({ method: "GET", url: "/api/v1/leagues/bandit-bernoulli-10/rewards" });
    expect(bandit.statusCode).toBe(400);
    expect(bandit.json().error.code).toBe("no_reward_specs");
  });

  it("analyses the shipped trained agents' rewards, registered without validation, once", async () => {
    const { created } = await registerTrainedAgents(db.prisma);
    expect(created).toBeGreaterThan(0);
    // The shipped car-soccer agents (1v1 and 2v2): the only versions with a spec and no analysis yet.
    expect(await backfillRewardInsights(db.prisma)).toBe(2);
    expect(await backfillRewardInsights(db.prisma)).toBe(0);
    const shipped = await db.prisma.agentVersion.findFirstOrThrow({
      where: { agent: { name: "ppo-selfplay" }, envId: LEAGUE },
    });
    expect(shipped.rewardAnalysis).toMatchObject({
      players: { blue: "ball-chaser", orange: "defender" },
      hacking: null,
    });
    const teams = await db.prisma.agentVersion.findFirstOrThrow({
      where: { agent: { name: "ppo-selfplay-2v2" }, envId: "car-soccer-2v2" },
    });
    // Its checkpoint carries its training trend: checked for reward hacking, and not flagged.
    expect(teams.rewardAnalysis).toMatchObject({ env: "car-soccer-2v2", hacking: { flagged: false } });
    // The bandit agent's checkpoint carries no car-soccer reward spec.
    const bandit = await db.prisma.agentVersion.findFirstOrThrow({
      where: { agent: { name: "ppo-history" } },
    });
    expect(bandit.rewardAnalysis).toBeNull();
  });
});
