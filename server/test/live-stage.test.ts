// The live scheduler puts submitted model agents on stage: each car-soccer league's live match
// rotates through its newest validated and top-rated model versions, played from their stored
// model (seat "model"), their opponents drawn by match quality; bots-only leagues are unchanged.
import { createTestDatabase, type TestDatabase } from "@league/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltinAgents } from "../src/league/builtins.js";
import { type LiveRooms, LiveScheduler } from "../src/league/live-scheduler.js";
import { registerTrainedAgents } from "../src/league/trained-agents.js";
import { MODEL_SEAT } from "../src/match/live-model.js";
import { seedLeagues } from "../src/seed.js";

type CarSoccerStart = Parameters<LiveRooms["startCarSoccer"]>[0];

describe("live matches on stage", () => {
  let db: TestDatabase;
  const started: CarSoccerStart[] = [];
  const rooms: LiveRooms = {
    hostedMatchIds: async () => new Set(),
    startCarSoccer: async (input) => {
      started.push(input);
      return { roomId: `room-${started.length}` };
    },
    startDuplicate: async () => ({ roomId: "duplicate" }),
  };
  const models: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    await seedLeagues(db.prisma);
    await registerBuiltinAgents(db.prisma);
    await registerTrainedAgents(db.prisma);
    const shipped = await db.prisma.agentVersion.findFirstOrThrow({
      where: { envId: "car-soccer-1v1", agent: { name: "ppo-selfplay" } },
    });
    models.push(shipped.id);
    // A second owner's newer model, validated: a copy of the shipped one under another agent.
    const owner = await db.prisma.owner.create({ data: { name: "eve" } });
    const agent = await db.prisma.agent.create({
      data: { ownerId: owner.id, name: "eve-net", kind: "model" },
    });
    const newer = await db.prisma.agentVersion.create({
      data: {
        agentId: agent.id,
        version: 1,
        envId: shipped.envId,
        manifest: shipped.manifest as object,
        artifact: shipped.artifact,
        status: "active",
        ratings: { create: { leagueId: "car-soccer-1v1", mu: 25, sigma: 25 / 3, ordinal: 0 } },
      },
    });
    models.push(newer.id);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it("rotates the 1v1 live match through the model versions, seated as models", async () => {
    const scheduler = new LiveScheduler(db.prisma, rooms, { intervalMs: 1000, durationSeconds: 60, seed: 5 });
    const onStage: string[] = [];
    for (let i = 0; i < 4; i++) {
      started.length = 0;
      await scheduler.fill();
      const oneVsOne = started.find((s) => s.leagueId === "car-soccer-1v1")!;
      const model = oneVsOne.seats.filter((s) => s.bot === MODEL_SEAT);
      expect(model.length).toBeGreaterThanOrEqual(1);
      onStage.push(model[0]!.versionId);
      // The leagues without model agents still get their live match between bots.
      const threeVsThree = started.find((s) => s.leagueId === "car-soccer-3v3")!;
      expect(threeVsThree.seats.every((s) => s.bot !== MODEL_SEAT)).toBe(true);
    }
    // The newest first (eve-net), then the shipped one, in turn.
    expect(onStage).toEqual([models[1], models[0], models[1], models[0]]);
  });
});
