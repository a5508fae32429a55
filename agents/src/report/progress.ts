// A live progress line for long work: done/total, rate, ETA and a few figures. On a terminal it
// rewrites one line; elsewhere (CI, a log file) it prints a line every `everyMs`.

export interface ProgressOptions {
  label: string;
  total: number;
  unit: string;
  stream?: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean };
  everyMs?: number;
  /** Units already done when the work starts (a resumed run), so the rate counts only new work. */
  start?: number;
  /** A time budget that may end the work before `total` (a trainer's `maxSeconds`): the bar and
   * the ETA follow whichever runs out first. */
  maxSeconds?: number;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`
    : `${m}:${String(sec).padStart(2, "0")}`;
}

export function formatCount(n: number): string {
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export class ProgressLine {
  private readonly started: number;
  private lastPrinted = Number.NEGATIVE_INFINITY;
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  private readonly now: () => number;
  private readonly startDone: number;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    this.startDone = options.start ?? 0;
  }

  /** The line for `done` units with extra `figures` (e.g. `{ return: 3.2 }`). */
  render(done: number, figures: Record<string, string | number | null> = {}): string {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = elapsed > 0 ? (done - this.startDone) / elapsed : 0;
    const { total, maxSeconds } = this.options;
    let remaining = rate > 0 ? (total - done) / rate : Number.NaN;
    let pct = total > 0 ? Math.min(100, (100 * done) / total) : 100;
    if (maxSeconds !== undefined) {
      remaining = Math.min(Number.isNaN(remaining) ? Infinity : remaining, Math.max(0, maxSeconds - elapsed));
      pct = Math.max(pct, Math.min(100, (100 * elapsed) / maxSeconds));
    }
    const width = 20;
    const filled = Math.round((pct / 100) * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const extra = Object.entries(figures)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k} ${typeof v === "number" ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`)
      .join("  ");
    return (
      `${this.options.label} ${bar} ${pct.toFixed(1).padStart(5)}%  ${formatCount(done)}/${formatCount(this.options.total)} ${this.options.unit}` +
      `  ${formatCount(rate)} ${this.options.unit}/s  ETA ${formatDuration(remaining)}${extra ? `  ${extra}` : ""}`
    );
  }

  update(done: number, figures: Record<string, string | number | null> = {}): void {
    const t = this.now();
    const tty = Boolean(this.stream.isTTY);
    // Off a terminal: a line every `everyMs`; the last line is `finish`'s.
    if (!tty && (t - this.lastPrinted < (this.options.everyMs ?? 10_000) || done >= this.options.total))
      return;
    this.lastPrinted = t;
    const line = this.render(done, figures);
    this.stream.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  finish(done: number, figures: Record<string, string | number | null> = {}): void {
    const line = this.render(done, figures);
    this.stream.write(this.stream.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}
