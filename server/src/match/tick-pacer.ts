// Real-time pacing of a fixed-step simulation, with its own clock statistics: tick n (counted from
// 1) is due at origin + n·interval, when real time has covered its slice of game time. A tick that
// starts more than one interval after it was due is late; a room that falls more than
// `maxCatchUpTicks` behind drops the excess (game time skips) and counts those ticks late too.
// Counting here, in the server, resolves every tick, where a spectator's 30 Hz patches cannot.

/** What a room's clock reports: ticks run, late ticks, ticks dropped and the worst lateness. */
export interface TickStats {
  ticks: number;
  lateTicks: number;
  droppedTicks: number;
  /** The worst lateness of any tick so far beyond its due time, in milliseconds. */
  maxLateMs: number;
}

export class TickPacer implements TickStats {
  ticks = 0;
  lateTicks = 0;
  droppedTicks = 0;
  maxLateMs = 0;
  private origin: number | null = null;
  /** Ticks accounted for since the origin: run or dropped. */
  private accounted = 0;

  constructor(
    readonly intervalMs: number,
    /** At most this many ticks run in one catch-up burst (a quarter second at 120 Hz by default). */
    readonly maxCatchUpTicks = 30,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`tick interval must be positive, got ${intervalMs}`);
  }

  /** Starts (or restarts after a pause) the schedule now: the first tick is due one interval later. */
  start(): void {
    this.origin = this.now();
    this.accounted = 0;
  }

  get started(): boolean {
    return this.origin !== null;
  }

  /** Milliseconds from now until the next tick is due (0 when one is due already). */
  msUntilNext(): number {
    if (this.origin === null) return this.intervalMs;
    return Math.max(0, this.origin + (this.accounted + 1) * this.intervalMs - this.now());
  }

  /** How many ticks to run now; records the lateness of each. Starts the schedule on first use. */
  due(): number {
    const t = this.now();
    if (this.origin === null) {
      this.origin = t;
      return 0;
    }
    const owed = Math.floor((t - this.origin) / this.intervalMs) - this.accounted;
    if (owed <= 0) return 0;
    const dropped = Math.max(0, owed - this.maxCatchUpTicks);
    if (dropped > 0) {
      this.droppedTicks += dropped;
      this.lateTicks += dropped;
      this.accounted += dropped;
    }
    const run = owed - dropped;
    for (let k = 1; k <= run; k++) {
      const lateMs = t - (this.origin + (this.accounted + k) * this.intervalMs);
      if (lateMs > this.intervalMs) this.lateTicks++;
      if (lateMs > this.maxLateMs) this.maxLateMs = lateMs;
    }
    this.accounted += run;
    this.ticks += run;
    return run;
  }

  stats(): TickStats {
    return {
      ticks: this.ticks,
      lateTicks: this.lateTicks,
      droppedTicks: this.droppedTicks,
      maxLateMs: this.maxLateMs,
    };
  }
}

/**
 * Drives a TickPacer with a timer aimed at each next due time, rather than a fixed setInterval:
 * Node fires a fractional interval (1000/120 ms) on whole milliseconds, 9 ms apart, so a fixed
 * interval leaves ticks waiting most of an interval by design; aiming at the due time keeps the
 * wait under a millisecond plus the event loop's own delay, which is what the late count measures.
 */
export class RealTimeTicker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    readonly pacer: TickPacer,
    /** Runs `ticks` ticks (0 is never passed); an exception stops the ticker and goes to onError. */
    private readonly onTicks: (ticks: number) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.pacer.started) this.pacer.start();
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => this.fire(), this.pacer.msUntilNext());
  }

  private fire(): void {
    this.timer = null;
    if (!this.running) return;
    try {
      const ticks = this.pacer.due();
      if (ticks > 0) this.onTicks(ticks);
    } catch (error) {
      this.stop();
      this.onError(error as Error);
      return;
    }
    this.arm();
  }
}
