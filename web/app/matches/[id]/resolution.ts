// The field's render resolution, adapted to how fast this machine draws it (field-scene.ts).
/**
 * Dynamic resolution, as games hold their frame rate: when frames come slower than 50 a second,
 * or two frames in a window miss the display's refresh, the canvas renders fewer pixels (down to
 * 0.35 of the screen's in each direction, upscaled by the browser), and back up while they come at
 * the display's rate. A step down that did not make frames faster, or missed no fewer, is undone
 * (the rate is capped or the stutter comes from elsewhere: a 30 Hz power saver, a throttled
 * frame, a busy machine), and both a scale that proved too slow and a step that did not help are
 * retried only after a wait that doubles each time, so it settles instead of oscillating.
 */
export class ResolutionGovernor {
  static readonly WINDOW = 30;
  static readonly MIN = 0.35;
  static readonly SLOW_MS = 20;
  static readonly FAST_MS = 17.5;
  /** A frame over 1.5 refreshes of a 60 Hz display: the display showed the previous one again. */
  static readonly MISSED_MS = 25;
  /**
   * Missed frames in a window that ask for fewer pixels: a mean of 58 fps is 2–3 misses a second,
   * the stutter a viewer sees, while one miss may be a resize or a GC.
   */
  static readonly MISSES_SLOW = 2;
  static readonly RETRY_MS = 20_000;
  static readonly MAX_RETRY_MS = 320_000;
  scale = 1;
  private frames = 0;
  private windowStart = 0;
  private last = 0;
  /** Frames of the current window that missed the display's refresh. */
  private missed = 0;
  private fastWindows = 0;
  private ceiling = 1;
  private ceilingUntil = 0;
  private retryMs = ResolutionGovernor.RETRY_MS;
  /** The last step down: from which scale, the mean frame time and misses, and which asked for it. */
  private stepDown: { from: number; meanMs: number; missed: number; forMisses: boolean } | null = null;
  /** The last scale that proved too slow. */
  private slowAt: number | null = null;
  /** No step down before this time (one did not help). */
  private holdUntil = 0;
  /** How long the next undone step holds off further steps down (doubles with each). */
  private holdMs = ResolutionGovernor.RETRY_MS;

  /** Counts a frame drawn at `now` (ms); returns the new scale when it should change, else null. */
  frame(now: number): number | null {
    // A gap over a second is a hidden tab (no frames drawn), not the renderer's speed.
    if (this.last && now - this.last > 1000) this.frames = 0;
    if (this.frames > 0 && now - this.last > ResolutionGovernor.MISSED_MS) this.missed++;
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
    // Fewer pixels and no faster frames (or, for a step taken for misses, no fewer of them): the
    // renderer was not what held them back.
    if (step && (step.forMisses ? missed >= step.missed : meanMs > step.meanMs * 0.9)) {
      this.holdUntil = now + this.holdMs;
      this.holdMs = Math.min(ResolutionGovernor.MAX_RETRY_MS, this.holdMs * 2);
      return this.set(step.from);
    }
    if (now >= this.ceilingUntil) this.ceiling = 1;
    const forMisses = meanMs <= ResolutionGovernor.SLOW_MS && missed >= ResolutionGovernor.MISSES_SLOW;
    if (meanMs > ResolutionGovernor.SLOW_MS || forMisses) {
      this.fastWindows = 0;
      if (this.scale <= ResolutionGovernor.MIN || now < this.holdUntil) return null;
      // Too slow here: not tried again for a while, longer each time it proves slow again.
      if (this.slowAt !== null && this.scale >= this.slowAt - 1e-6)
        this.retryMs = Math.min(ResolutionGovernor.MAX_RETRY_MS, this.retryMs * 2);
      this.slowAt = this.scale;
      this.ceiling = this.scale * 0.9;
      this.ceilingUntil = now + this.retryMs;
      // Pixels go with the square of the scale: a 25 ms frame asks for about 0.84 of it.
      const wanted = this.scale * Math.sqrt(ResolutionGovernor.FAST_MS / meanMs);
      this.stepDown = { from: this.scale, meanMs, missed, forMisses };
      return this.set(Math.max(ResolutionGovernor.MIN, Math.min(this.scale * 0.9, wanted)));
    }
    // One miss a window (a GC, a resize) does not ask for fewer pixels, nor does it stop a climb.
    if (meanMs >= ResolutionGovernor.FAST_MS || missed >= ResolutionGovernor.MISSES_SLOW) {
      this.fastWindows = 0;
      return null;
    }
    // Three fast windows in a row: a step up, within the ceiling.
    if (++this.fastWindows < 3) return null;
    this.fastWindows = 0;
    const next = Math.min(this.ceiling, this.scale * 1.15, 1);
    return next - this.scale > 0.005 ? this.set(next) : null;
  }

  private set(scale: number): number {
    this.scale = scale;
    return scale;
  }
}
