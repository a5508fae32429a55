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

  /**
   * Starts (or restarts after a pause) the schedule at `origin` (now by default, never later): the
   * first tick is due one interval after it.
   */
  start(origin = this.now()): void {
    this.origin = Math.min(origin, this.now());
    this.accounted = 0;
  }

  get started(): boolean {
    return this.origin !== null;
  }

  /** When the next tick not yet run (or dropped) is due; null before the schedule starts. */
  nextDueAt(): number | null {
    return this.origin === null ? null : this.origin + (this.accounted + 1) * this.intervalMs;
  }

  /** How many ticks to run now; records the lateness of each. Starts the schedule on first use. */
  due(): number {
    const t = this.now();
    if (this.origin === null) {
      this.origin = t;
      return 0;
    }
    let owed = Math.floor((t - this.origin) / this.intervalMs) - this.accounted;
    // The division can round a tick due exactly now below its due time; nextDueAt's product cannot.
    if (owed <= 0 && t >= this.nextDueAt()!) owed = 1;
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

/** What a TickClock needs of the outside world: a clock and a timer (a fake one in tests). */
export interface TickScheduler {
  now(): number;
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realScheduler: TickScheduler = {
  now: () => performance.now(),
  setTimeout: (fire, ms) => setTimeout(fire, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ClockMember {
  pacer: TickPacer;
  onTicks: (ticks: number) => void;
  onError: (error: Error) => void;
}

/**
 * One timer for every real-time simulation of a process at one tick rate, as a game server's main
 * loop: ticks are due on a shared grid, and each firing runs every member's due ticks in turn.
 * Per-room timers aimed at each room's own phase woke the event loop 120 times a second per room
 * (7,680 times at 64 rooms), each a Timeout to allocate and a wake-up the machine can delay; the
 * grid wakes it 120 times a second in all (and once more after a firing that came early). A
 * member's lateness still counts from its own due times, which lie on the grid (start its pacer
 * at `gridOrigin()`).
 */
export class TickClock {
  private readonly members = new Set<ClockMember>();
  private origin: number | null = null;
  private timer: unknown = null;

  constructor(
    readonly intervalMs: number,
    private readonly scheduler: TickScheduler = realScheduler,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`tick interval must be positive, got ${intervalMs}`);
  }

  /** The latest grid point at or before now: a pacer started there has every tick due on the grid. */
  gridOrigin(): number {
    const t = this.scheduler.now();
    this.origin ??= t;
    return this.origin + Math.floor((t - this.origin) / this.intervalMs) * this.intervalMs;
  }

  get size(): number {
    return this.members.size;
  }

  join(member: ClockMember): void {
    this.members.add(member);
    if (this.timer === null) this.arm();
  }

  leave(member: ClockMember): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer !== null) {
      this.scheduler.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /**
   * Aims the timer at the earliest tick a member still owes. Not at "the next grid point after
   * now": a timer fires up to a millisecond early (Node counts from the loop's cached time), its
   * pacers then owe nothing, and if the grid point passes before the re-arm reads the clock, "next
   * after now" skips a whole interval and that tick starts late, which is how late ticks of just
   * over one interval came about on an idle loop.
   */
  private arm(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const member of this.members) {
      const due = member.pacer.nextDueAt();
      if (due !== null && due < next) next = due;
    }
    if (next === Number.POSITIVE_INFINITY) next = this.gridOrigin() + this.intervalMs;
    this.timer = this.scheduler.setTimeout(() => this.fire(), Math.max(0, next - this.scheduler.now()));
  }

  private fire(): void {
    this.timer = null;
    // A copy: a member may leave (its match ended) or another join while the ticks run.
    for (const member of [...this.members]) {
      if (!this.members.has(member)) continue;
      try {
        const ticks = member.pacer.due();
        if (ticks > 0) member.onTicks(ticks);
      } catch (error) {
        this.members.delete(member);
        member.onError(error as Error);
      }
    }
    if (this.members.size > 0 && this.timer === null) this.arm();
  }
}

const sharedClocks = new Map<number, TickClock>();

/** The process's clock at this tick interval, shared by every room that ticks at it. */
export function sharedTickClock(intervalMs: number): TickClock {
  let clock = sharedClocks.get(intervalMs);
  if (!clock) {
    clock = new TickClock(intervalMs);
    sharedClocks.set(intervalMs, clock);
  }
  return clock;
}

/**
 * Runs a TickPacer's due ticks on the process's shared TickClock (one timer for every room),
 * starting the pacer on the clock's grid. An exception stops the ticker and goes to onError.
 */
export class RealTimeTicker {
  private readonly member: ClockMember;
  private running = false;

  constructor(
    readonly pacer: TickPacer,
    /** Runs `ticks` ticks (0 is never passed). */
    onTicks: (ticks: number) => void,
    onError: (error: Error) => void,
    private readonly clock: TickClock = sharedTickClock(pacer.intervalMs),
  ) {
    this.member = {
      pacer,
      onTicks,
      onError: (error) => {
        this.running = false;
        onError(error);
      },
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.pacer.started) this.pacer.start(this.clock.gridOrigin());
    this.clock.join(this.member);
  }

  stop(): void {
    this.running = false;
    this.clock.leave(this.member);
  }
}
