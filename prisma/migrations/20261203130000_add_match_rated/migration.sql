-- AlterTable
ALTER TABLE "Match" ADD COLUMN     "rated" BOOLEAN NOT NULL DEFAULT true;
