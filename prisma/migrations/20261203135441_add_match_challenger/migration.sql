-- AlterTable
ALTER TABLE "Match" ADD COLUMN     "challengerOwnerId" UUID;

-- CreateIndex
CREATE INDEX "Match_challengerOwnerId_status_idx" ON "Match"("challengerOwnerId", "status");
