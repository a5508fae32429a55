-- AlterTable
ALTER TABLE "AgentVersion" ADD COLUMN     "validationAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "validationHeartbeatAt" TIMESTAMPTZ(3);
