// The live rooms' own clock (TickPacer on the process's shared TickClock, as a car-soccer room runs
// it at 120 Hz) in a process doing nothing else: what this machine's timers allow before any room
// runs. Prints one JSON line: late ticks per window and the worst lateness. Needs `npm run build`.
import { RealTimeTicker, TickPacer } from "../../server/dist/match/tick-pacer.js";

const [windows, windowSeconds] = process.argv.slice(2).map(Number);
const pacer = new TickPacer(1000 / 120);
const ticker = new RealTimeTicker(
  pacer,
  () => {},
  (error) => {
    throw error;
  },
);
const lateTicksPerWindow = [];
ticker.start();
for (let i = 0; i < windows; i++) {
  const before = pacer.lateTicks;
  await new Promise((r) => setTimeout(r, windowSeconds * 1000));
  lateTicksPerWindow.push(pacer.lateTicks - before);
}
ticker.stop();
process.stdout.write(
  `${JSON.stringify({ lateTicksPerWindow, worstLateMs: Number(pacer.maxLateMs.toFixed(1)) })}\n`,
);
