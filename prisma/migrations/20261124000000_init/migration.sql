-- CreateEnum
CREATE TYPE "AgentKind" AS ENUM ('scripted', 'model', 'remote');

-- CreateEnum
CREATE TYPE "VersionStatus" AS ENUM ('pending', 'validating', 'active', 'failed', 'retired');

-- CreateEnum
CREATE TYPE "LeagueMode" AS ENUM ('head_to_head', 'duplicate');

-- CreateEnum
CREATE TYPE "MatchStatus" AS ENUM ('queued', 'running', 'finished', 'aborted');

-- CreateTable
CREATE TABLE "Owner" (
    "id" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "email" VARCHAR(254),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Owner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "ownerId" UUID NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "hash" VARCHAR(255) NOT NULL,
    "label" VARCHAR(64),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Agent" (
    "id" UUID NOT NULL,
    "ownerId" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "description" VARCHAR(2000) NOT NULL DEFAULT '',
    "kind" "AgentKind" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentVersion" (
    "id" UUID NOT NULL,
    "agentId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "envId" VARCHAR(64) NOT NULL,
    "manifest" JSONB NOT NULL,
    "artifact" BYTEA,
    "artifactSize" INTEGER NOT NULL DEFAULT 0,
    "artifactSha256" CHAR(64),
    "status" "VersionStatus" NOT NULL DEFAULT 'pending',
    "failureLog" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "League" (
    "id" VARCHAR(64) NOT NULL,
    "envId" VARCHAR(64) NOT NULL,
    "envVersion" INTEGER NOT NULL,
    "mode" "LeagueMode" NOT NULL,
    "title" VARCHAR(120) NOT NULL,
    "description" VARCHAR(2000) NOT NULL DEFAULT '',
    "teamSize" INTEGER NOT NULL DEFAULT 1,
    "ratingModel" VARCHAR(40) NOT NULL DEFAULT 'plackettLuce',
    "mu" DOUBLE PRECISION NOT NULL DEFAULT 25,
    "sigma" DOUBLE PRECISION NOT NULL DEFAULT 8.333333333333334,
    "beta" DOUBLE PRECISION NOT NULL DEFAULT 4.166666666666667,
    "tau" DOUBLE PRECISION NOT NULL DEFAULT 0.08333333333333333,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "League_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Match" (
    "id" UUID NOT NULL,
    "leagueId" VARCHAR(64) NOT NULL,
    "seed" BIGINT NOT NULL,
    "status" "MatchStatus" NOT NULL DEFAULT 'queued',
    "live" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "result" JSONB,
    "replay" BYTEA,
    "error" TEXT,

    CONSTRAINT "Match_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MatchParticipant" (
    "id" UUID NOT NULL,
    "matchId" UUID NOT NULL,
    "versionId" UUID NOT NULL,
    "slot" INTEGER NOT NULL,
    "team" INTEGER NOT NULL,
    "score" DOUBLE PRECISION,
    "rank" INTEGER,
    "muBefore" DOUBLE PRECISION,
    "sigmaBefore" DOUBLE PRECISION,
    "muAfter" DOUBLE PRECISION,
    "sigmaAfter" DOUBLE PRECISION,

    CONSTRAINT "MatchParticipant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Rating" (
    "versionId" UUID NOT NULL,
    "leagueId" VARCHAR(64) NOT NULL,
    "mu" DOUBLE PRECISION NOT NULL,
    "sigma" DOUBLE PRECISION NOT NULL,
    "ordinal" DOUBLE PRECISION NOT NULL,
    "games" INTEGER NOT NULL DEFAULT 0,
    "wins" INTEGER NOT NULL DEFAULT 0,
    "losses" INTEGER NOT NULL DEFAULT 0,
    "draws" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Rating_pkey" PRIMARY KEY ("versionId","leagueId")
);

-- CreateTable
CREATE TABLE "RatingEvent" (
    "id" UUID NOT NULL,
    "versionId" UUID NOT NULL,
    "leagueId" VARCHAR(64) NOT NULL,
    "matchId" UUID,
    "muBefore" DOUBLE PRECISION NOT NULL,
    "sigmaBefore" DOUBLE PRECISION NOT NULL,
    "muAfter" DOUBLE PRECISION NOT NULL,
    "sigmaAfter" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RatingEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Owner_name_key" ON "Owner"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "ApiKey_ownerId_idx" ON "ApiKey"("ownerId");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_ownerId_name_key" ON "Agent"("ownerId", "name");

-- CreateIndex
CREATE INDEX "AgentVersion_envId_status_idx" ON "AgentVersion"("envId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "AgentVersion_agentId_version_key" ON "AgentVersion"("agentId", "version");

-- CreateIndex
CREATE INDEX "Match_leagueId_finishedAt_idx" ON "Match"("leagueId", "finishedAt" DESC);

-- CreateIndex
CREATE INDEX "Match_status_createdAt_idx" ON "Match"("status", "createdAt");

-- CreateIndex
CREATE INDEX "MatchParticipant_versionId_idx" ON "MatchParticipant"("versionId");

-- CreateIndex
CREATE UNIQUE INDEX "MatchParticipant_matchId_slot_key" ON "MatchParticipant"("matchId", "slot");

-- CreateIndex
CREATE INDEX "Rating_leagueId_ordinal_idx" ON "Rating"("leagueId", "ordinal" DESC);

-- CreateIndex
CREATE INDEX "RatingEvent_versionId_leagueId_createdAt_idx" ON "RatingEvent"("versionId", "leagueId", "createdAt");

-- CreateIndex
CREATE INDEX "RatingEvent_matchId_idx" ON "RatingEvent"("matchId");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentVersion" ADD CONSTRAINT "AgentVersion_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Match" ADD CONSTRAINT "Match_leagueId_fkey" FOREIGN KEY ("leagueId") REFERENCES "League"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MatchParticipant" ADD CONSTRAINT "MatchParticipant_matchId_fkey" FOREIGN KEY ("matchId") REFERENCES "Match"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MatchParticipant" ADD CONSTRAINT "MatchParticipant_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "AgentVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rating" ADD CONSTRAINT "Rating_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "AgentVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rating" ADD CONSTRAINT "Rating_leagueId_fkey" FOREIGN KEY ("leagueId") REFERENCES "League"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RatingEvent" ADD CONSTRAINT "RatingEvent_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "AgentVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RatingEvent" ADD CONSTRAINT "RatingEvent_leagueId_fkey" FOREIGN KEY ("leagueId") REFERENCES "League"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RatingEvent" ADD CONSTRAINT "RatingEvent_matchId_fkey" FOREIGN KEY ("matchId") REFERENCES "Match"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Model artifacts are size-limited in the database too, so no code path can store a larger one.
ALTER TABLE "AgentVersion" ADD CONSTRAINT "AgentVersion_artifact_size_check"
  CHECK (("artifact" IS NULL OR octet_length("artifact") <= 33554432) AND "artifactSize" >= 0);

-- A participant's rank is 1-based; a rating's counters never go negative.
ALTER TABLE "MatchParticipant" ADD CONSTRAINT "MatchParticipant_rank_check" CHECK ("rank" IS NULL OR "rank" >= 1);

ALTER TABLE "Rating" ADD CONSTRAINT "Rating_counts_check"
  CHECK ("games" >= 0 AND "wins" >= 0 AND "losses" >= 0 AND "draws" >= 0 AND "sigma" > 0);
