"use client";

// The replay player's proof: while a match replays, its episodes are re-simulated a second time
// with the checking verifier of @league/envs and every stored state hash is compared as play
// passes it. Shows "verified up to m:ss", "verified: every hash" at the end, or the first mismatch.
import { A_TICK, carSoccerConstants as K, type Replay, ReplayVerifier } from "@league/envs";
import { useEffect, useRef, useState } from "react";

/** Ticks verified per animation frame at most: a seek to the end catches up over a few frames, never in one long stall. */
const TICKS_PER_FRAME = 2400;

export interface VerifyStatus {
  /** Seconds of play up to which every stored hash matched. */
  verifiedSeconds: number;
  totalSeconds: number;
  /** Every hash of every episode matched. */
  complete: boolean;
  /** The first hash that did not: its episode (0-based), second of play and index (−1: final hash). */
  mismatch: { episode: number; second: number; hashIndex: number } | null;
}

/** Verifies a match's episodes in order, as far as asked and no further. */
export class MatchReplayVerification {
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly verifiers: ReplayVerifier[];
  private current = 0;
  private mismatch: VerifyStatus["mismatch"] = null;

  constructor(episodes: readonly Replay[]) {
    this.verifiers = episodes.map((e) => new ReplayVerifier(e));
    this.starts = [];
    this.ends = [];
    let tick = 0;
    for (const e of episodes) {
      this.starts.push(tick);
      tick += e.numSteps * e.tickSkip;
      this.ends.push(tick);
    }
  }

  get totalTicks(): number {
    return this.ends.at(-1) ?? 0;
  }

  /** Re-simulates toward `tick` of the whole match (at most `budget` ticks now); returns where it stands. */
  advance(tick: number, budget = Number.POSITIVE_INFINITY): VerifyStatus {
    let spent = 0;
    while (!this.mismatch && this.current < this.verifiers.length && spent < budget) {
      const v = this.verifiers[this.current]!;
      const start = this.starts[this.current]!;
      const before = v.state.arena[A_TICK]!;
      // An empty episode is done from the start; it has only its final hash to show.
      const want = v.done ? before : Math.min(tick - start, before + (budget - spent));
      if (!v.done && want <= before) break;
      const check = v.advance(want);
      spent += Math.max(1, check.ticks - before);
      if (check.mismatch) {
        this.mismatch = {
          episode: this.current,
          second: (start + check.mismatch.tick) / K.TICK_RATE,
          hashIndex: check.mismatch.index,
        };
        break;
      }
      // Not done: it stopped at `want`, the target or the end of this frame's budget.
      if (!check.done) break;
      this.current++;
    }
    return this.status();
  }

  status(): VerifyStatus {
    const complete = this.current >= this.verifiers.length && !this.mismatch;
    const verifiedTicks = complete
      ? this.totalTicks
      : this.starts[this.current]! + this.verifiers[this.current]!.verifiedTick;
    return {
      verifiedSeconds: verifiedTicks / K.TICK_RATE,
      totalSeconds: this.totalTicks / K.TICK_RATE,
      complete,
      mismatch: this.mismatch,
    };
  }
}

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

/**
 * Verifies `episodes` up to `seconds` of play (the player's position) and says how far it got.
 * Seeking back keeps what is verified; seeking ahead catches up a few frames at a time.
 */
export function ReplayVerification({
  episodes,
  seconds,
}: {
  episodes: readonly Replay[] | null;
  seconds: number;
}) {
  const [status, setStatus] = useState<VerifyStatus | null>(null);
  const [unverifiable, setUnverifiable] = useState<string | null>(null);
  const target = useRef(seconds);
  target.current = seconds;

  useEffect(() => {
    if (!episodes) return;
    let verification: MatchReplayVerification;
    try {
      verification = new MatchReplayVerification(episodes);
    } catch (error) {
      // A replay of another physics version cannot be checked by this build.
      setUnverifiable((error as Error).message);
      return;
    }
    let frame = 0;
    let shown = "";
    const step = () => {
      const s = verification.advance(target.current * K.TICK_RATE, TICKS_PER_FRAME);
      const key = `${s.complete}|${s.mismatch?.second}|${Math.floor(s.verifiedSeconds)}`;
      if (key !== shown) {
        shown = key;
        setStatus(s);
      }
      if (!s.complete && !s.mismatch) frame = requestAnimationFrame(step);
    };
    // Every frame until the whole match is verified or a hash fails: each asks only for what play has reached.
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [episodes]);

  if (unverifiable)
    return (
      <span className="verify bad" data-testid="replay-verify">
        not verifiable here: {unverifiable}
      </span>
    );
  if (!status) return null;
  if (status.mismatch)
    return (
      <span className="verify bad" data-testid="replay-verify" title="re-simulated in this browser">
        ✗ does not reproduce: episode {status.mismatch.episode + 1},{" "}
        {status.mismatch.hashIndex === -1 ? "final hash" : `hash ${status.mismatch.hashIndex + 1}`} at{" "}
        {clock(status.mismatch.second)}
      </span>
    );
  return (
    <span
      className={`verify ${status.complete ? "good" : ""}`}
      data-testid="replay-verify"
      title="every stored state hash re-simulated in this browser as the replay plays"
    >
      {status.complete
        ? `✓ verified: every hash to ${clock(status.totalSeconds)}`
        : `✓ verified up to ${clock(status.verifiedSeconds)}`}
    </span>
  );
}
