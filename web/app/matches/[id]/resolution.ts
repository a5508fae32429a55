// The field's render resolution, adapted to how fast this machine draws it (field-scene.ts).
/**
 * Dynamic resolution, as games hold their frame rate: when frames come slower than 50 a second
 * the canvas renders fewer pixels (down to 0.35 of the screen's in each direction, upscaled by the
 * browser), and back up while they come at the display's rate. A step down that did not make
 * frames faster is undone (the rate is capped elsewhere: a 30 Hz power saver, a throttled frame),
 * and a scale that proved too slow is retried only after a wait that doubles each time it fails
 * again, so it settles instead of oscillating. A mean rate of about 60 can still hide a frame in
 * fifty that misses the display's refresh (shown twice: a visible hitch): three missed frames in
 * six windows ask for a smaller step down, undone unless their rate at least halves over the next
 * twelve, and a window with a missed frame never steps up.
 */
export class ResolutionGovernor {
  static readonly WINDOW = 30;
  static readonly MIN = 0.35;
  static readonly SLOW_MS = 20;
  static readonly FAST_MS = 17.5;
  static readonly RETRY_MS = 20_000;
  static readonly MAX_RETRY_MS = 320_000;
  /** A frame interval over 1.5 refreshes of a 60 Hz display: that refresh showed the last frame again. */
  static readonly MISSED_MS = 25;
  /** Missed frames over the last JANK_WINDOWS windows that ask for fewer pixels. */
  static readonly JANK_MISSES = 3;
  static readonly JANK_WINDOWS = 6;
  /** Windows after a step down for missed frames before it is judged. */
  static readonly JANK_JUDGE_WINDOWS = 12;
  scale = 1;
  private frames = 0;
  private windowStart = 0;
  private last = 0;
  /** Missed frames in the window being counted, and in each of the last JANK_WINDOWS windows. */
  private missed = 0;
  private recentMisses: number[] = [];
  /** The last step down for missed frames: from which scale, and how many misses asked for it. */
  private jankStep: { from: number; misses: number; after: number; windows: number } | null = null;
  private fastWindows = 0;
  private ceiling = 1;
  private ceilingUntil = 0;
  private retryMs = ResolutionGovernor.RETRY_MS;
  /** The last step down: from which scale, and the mean frame time that asked for it. */
  private stepDown: { from: number; meanMs: number } | null = null;
  /** The last scale that proved too slow. */
  private slowAt: number | null = null;
  /** No step down before this time (one did not help). */
  private holdUntil = 0;

  /** Counts a frame drawn at `now` (ms); returns the new scale when it should change, else null. */
  frame(now: number): number | null {
    // A gap over a second is a hidden tab (no frames drawn), not the renderer's speed.
    if (this.last && now - this.last > 1000) this.frames = 0;
    else if (this.frames > 0 && now - this.last > ResolutionGovernor.MISSED_MS) this.missed++;
    this.last = now;
    if (this.frames++ === 0) {
      this.windowStart = now;
      this.missed = 0;
      return null;
    }
    // A window is 30 frames, or a second of at least 5 when frames are slow.
    const intervals = this.frames - 1;
    const elapsed = now - this.windowStart;
    if (intervals < ResolutionGovernor.WINDOW && !(intervals >= 5 && elapsed >= 1000)) return null;
    const missed = this.missed;
    this.frames = 1;
    this.windowStart = now;
    this.missed = 0;
    return this.window(elapsed / intervals, missed, now);
  }

  private window(meanMs: number, missed: number, now: number): number | null {
    const step = this.stepDown;
    this.stepDown = null;
    // Fewer pixels and no faster frames: the renderer was not what held them back.
    if (step && meanMs > step.meanMs * 0.9) {
      this.holdUntil = now + ResolutionGovernor.RETRY_MS;
      return this.set(step.from);
    }
    this.recentMisses.push(missed);
    if (this.recentMisses.length > ResolutionGovernor.JANK_WINDOWS) this.recentMisses.shift();
    const recentMisses = this.recentMisses.reduce((a, b) => a + b, 0);
    const judged = this.recentMisses.length === ResolutionGovernor.JANK_WINDOWS;
    const jank = this.jankStep;
    if (jank) {
      jank.after += missed;
      jank.windows++;
    }
    if (jank && jank.windows === ResolutionGovernor.JANK_JUDGE_WINDOWS) {
      this.jankStep = null;
      // Not half the rate of misses with fewer pixels: something else drops those frames (a busy
      // main thread). Judged over twice the windows that asked, so that chance rarely decides.
      const rate = jank.after / jank.windows;
      if (rate > jank.misses / ResolutionGovernor.JANK_WINDOWS / 2) {
        // Held longer each time (lower() doubles the wait when the same scale is left again).
        this.holdUntil = now + this.retryMs;
        this.recentMisses = [];
        return this.set(jank.from);
      }
    }
    if (now >= this.ceilingUntil) this.ceiling = 1;
    if (meanMs > ResolutionGovernor.SLOW_MS) {
      this.fastWindows = 0;
      if (this.scale <= ResolutionGovernor.MIN || now < this.holdUntil) return null;
      // Pixels go with the square of the scale: a 25 ms frame asks for about 0.84 of it.
      const wanted = this.scale * Math.sqrt(ResolutionGovernor.FAST_MS / meanMs);
      this.stepDown = { from: this.scale, meanMs };
      // This step answers the misses too (slow windows are made of them).
      this.jankStep = null;
      this.recentMisses = [];
      return this.lower(Math.min(this.scale * 0.9, wanted), now);
    }
    if (meanMs >= ResolutionGovernor.FAST_MS) {
      this.fastWindows = 0;
      return null;
    }
    // Fast on average, yet frames missed in every recent window's worth: a smaller step down.
    if (
      judged &&
      !this.jankStep &&
      recentMisses >= ResolutionGovernor.JANK_MISSES &&
      this.scale > ResolutionGovernor.MIN &&
      now >= this.holdUntil
    ) {
      this.fastWindows = 0;
      this.jankStep = { from: this.scale, misses: recentMisses, after: 0, windows: 0 };
      this.recentMisses = [];
      return this.lower(this.scale * 0.9, now);
    }
    // Three fast windows in a row, none with a missed frame: a step up, within the ceiling.
    if (missed > 0) this.fastWindows = 0;
    if (missed > 0 || ++this.fastWindows < 3) return null;
    this.fastWindows = 0;
    const next = Math.min(this.ceiling, this.scale * 1.15, 1);
    return next - this.scale > 0.005 ? this.set(next) : null;
  }

  /** Steps down to `wanted` (not below the floor); this scale is not tried again for a while. */
  private lower(wanted: number, now: number): number {
    // Longer each time the same scale proves too slow again.
    if (this.slowAt !== null && this.scale >= this.slowAt - 1e-6)
      this.retryMs = Math.min(ResolutionGovernor.MAX_RETRY_MS, this.retryMs * 2);
    this.slowAt = this.scale;
    this.ceiling = this.scale * 0.9;
    this.ceilingUntil = now + this.retryMs;
    return this.set(Math.max(ResolutionGovernor.MIN, wanted));
  }

  private set(scale: number): number {
    this.scale = scale;
    return scale;
  }
}
