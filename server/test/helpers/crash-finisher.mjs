// Child process of reliability.test.ts: starts storing a match result and, inside finishMatch's
// transaction after every row is written, announces it and waits to be killed (kill -9 stands in
// for a crashed worker or a lost machine).
import { openDatabase } from "@league/db";
import { finishMatch } from "../../dist/storage/matches.js";

const [matchId] = process.argv.slice(2);
if (!matchId || !process.env.DATABASE_URL) {
  console.error("usage: DATABASE_URL=... node crash-finisher.mjs <matchId>");
  process.exit(2);
}
const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, migrate: false });
await finishMatch(db.prisma, {
  matchId,
  teamScores: [2, 1],
  result: { crashed: "never stored" },
  beforeCommit: async () => {
    console.log("in-transaction");
    await new Promise(() => {}); // until killed
  },
});
