// A child process of bench/server: colyseus.js spectators that join the rooms it is told to, so
// that decoding their patches does not share the measured server process's CPU time.
// stdin: one JSON object a line, { url, roomIds, perRoom }; stdout: { joined } once all joined.
// It counts every patch; { report: true } answers { patches, maxGapMs } per spectator so far.
import { createInterface } from "node:readline";
import { Client } from "colyseus.js";

const watchers = [];
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const message = JSON.parse(line);
  if (message.report) {
    process.stdout.write(
      `${JSON.stringify({ spectators: watchers.map((w) => ({ patches: w.patches, maxGapMs: w.maxGapMs })) })}\n`,
    );
    continue;
  }
  const client = new Client(message.url);
  for (const roomId of message.roomIds)
    for (let i = 0; i < message.perRoom; i++) {
      const room = await client.joinById(roomId);
      const w = { room, patches: 0, last: 0, maxGapMs: 0 };
      room.onStateChange(() => {
        const now = performance.now();
        if (w.last) w.maxGapMs = Math.max(w.maxGapMs, now - w.last);
        w.last = now;
        w.patches++;
      });
      watchers.push(w);
    }
  process.stdout.write(`${JSON.stringify({ joined: watchers.length })}\n`);
}
for (const w of watchers) await w.room.leave().catch(() => {});
process.exit(0);
