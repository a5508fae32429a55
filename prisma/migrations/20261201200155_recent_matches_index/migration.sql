-- CreateIndex
CREATE INDEX "Match_status_finishedAt_idx" ON "Match"("status", "finishedAt" DESC);
