-- AlterTable
ALTER TABLE "AgentVersion" ADD COLUMN     "rewardAnalysis" JSONB;

-- AlterTable
ALTER TABLE "Match" ADD COLUMN     "verification" JSONB,
ADD COLUMN     "verified" BOOLEAN;
