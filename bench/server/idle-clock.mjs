// A 120 Hz clock in a process doing nothing else, counted as the live rooms' clock counts (a tick is
// late when it starts more than one interval after it was due): what this machine's timers allow
// before any room runs. Prints one JSON line: late ticks and worst lateness per window.
const [windows, windowSeconds] = process.argv.slice(2).map(Number);
const interval = 1000 / 120;
const origin = performance.now();
const report = [];
let due = 0;
let window = { ticks: 0, lateTicks: 0, worstLateMs: 0 };
let windowStart = origin;

function fire() {
  const now = performance.now();
  while (origin + (due + 1) * interval <= now) {
    due++;
    const lateMs = now - (origin + due * interval);
    window.ticks++;
    if (lateMs > interval) window.lateTicks++;
    window.worstLateMs = Math.max(window.worstLateMs, lateMs);
  }
  if (now - windowStart >= windowSeconds * 1000) {
    report.push({ ...window, worstLateMs: Number(window.worstLateMs.toFixed(1)) });
    window = { ticks: 0, lateTicks: 0, worstLateMs: 0 };
    windowStart = now;
  }
  if (report.length < windows) setTimeout(fire, origin + (due + 1) * interval - performance.now());
  else process.stdout.write(`${JSON.stringify(report)}\n`);
}
setTimeout(fire, interval);
