-- AlterEnum
ALTER TYPE "VersionStatus" ADD VALUE 'reserve';
