"use client";

// Replays a finished car-soccer match by re-simulating it from its stored replay (seed, controls
// and state hashes) with the same engine as the server: no per-tick positions are stored.
import {
  A_BLUE_SCORE,
  A_LAST_TOUCH_CAR,
  A_ORANGE_SCORE,
  B_X,
  C_BOOST,
  C_FX,
  C_IS_DEMOED,
  C_UX,
  C_X,
  CAR_FIELDS,
  type CarSoccerState,
  decodeMatchReplay,
  carSoccerConstants as K,
  type Replay,
  simulateReplay,
} from "@league/envs";
import { useEffect, useRef, useState } from "react";
import { BoostMeters, CameraButtons, formatClock } from "./camera-buttons";
import { type CameraMode, FieldScene, type Frame } from "./field-scene";
import { ReplayVerification } from "./replay-verify";

/** Frames kept per second of play: the player blends between them. */
const FRAME_TICKS = 4;
const FRAMES_PER_SECOND = K.TICK_RATE / FRAME_TICKS;

interface Goal {
  /** The frame at which the ball crossed the line. */
  frame: number;
  team: 0 | 1;
  /** The last car to touch the ball, when known. */
  scorer: string | null;
  /** The last touch was by the conceding team. */
  ownGoal: boolean;
  /** The score after it, blue–orange. */
  blue: number;
  orange: number;
}

interface Timeline {
  frames: Frame[];
  /** Goals so far at each frame. */
  blue: Uint16Array;
  orange: Uint16Array;
  goals: Goal[];
}

function frameOf(state: CarSoccerState, names: string[], teamSize: number): Frame {
  const v = (buf: Float64Array, i: number): [number, number, number] => [buf[i]!, buf[i + 1]!, buf[i + 2]!];
  return {
    ball: v(state.ball, B_X),
    cars: names.map((name, car) => {
      const o = car * CAR_FIELDS;
      return {
        name,
        team: car < teamSize ? 0 : 1,
        p: v(state.cars, o + C_X),
        f: v(state.cars, o + C_FX),
        u: v(state.cars, o + C_UX),
        boost: state.cars[o + C_BOOST]!,
        demoed: state.cars[o + C_IS_DEMOED]! > 0,
      };
    }),
  };
}

/** Re-simulates every episode of the match, keeping a frame every FRAME_TICKS ticks, and its goals. */
function buildTimeline(bytes: Uint8Array, names: string[]): Timeline {
  const episodes = decodeMatchReplay(bytes);
  const frames: Frame[] = [];
  const blue: number[] = [];
  const orange: number[] = [];
  const goals: Goal[] = [];
  // The match's score so far. An episode's state may carry the score it started from (one
  // episode per kickoff): goals are counted from each episode's own starting score.
  const total = [0, 0];
  for (const episode of episodes) {
    let start: number[] | null = null;
    let shown = [total[0]!, total[1]!];
    simulateReplay(episode, undefined, (state, tick) => {
      const now = [state.arena[A_BLUE_SCORE]!, state.arena[A_ORANGE_SCORE]!];
      start ??= now;
      const score = [total[0]! + now[0]! - start[0]!, total[1]! + now[1]! - start[1]!];
      for (const team of [0, 1] as const) {
        if (score[team]! > shown[team]!) {
          const toucher = state.arena[A_LAST_TOUCH_CAR]!;
          goals.push({
            frame: frames.length,
            team,
            scorer: toucher >= 0 ? (names[toucher] ?? null) : null,
            ownGoal: toucher >= 0 && (toucher < episode.teamSize ? 0 : 1) !== team,
            blue: score[0]!,
            orange: score[1]!,
          });
        }
      }
      shown = score;
      if (tick % FRAME_TICKS !== 0) return;
      frames.push(frameOf(state, names, episode.teamSize));
      blue.push(score[0]!);
      orange.push(score[1]!);
    });
    total[0] = shown[0]!;
    total[1] = shown[1]!;
  }
  return { frames, blue: Uint16Array.from(blue), orange: Uint16Array.from(orange), goals };
}

/** The API is on the same host as the page, on the server's port; it serves the file as an attachment. */
const replayUrl = (serverPort: string, matchId: string) =>
  `${window.location.protocol}//${window.location.hostname}:${serverPort}/api/v1/matches/${matchId}/replay`;

const goalText = (g: Goal) =>
  `${g.blue}–${g.orange} ${g.team === 0 ? "blue" : "orange"}${g.scorer ? `, ${g.scorer}${g.ownGoal ? " (own goal)" : ""}` : ""}`;

export function ReplayPlayer({
  serverPort,
  matchId,
  names,
}: {
  serverPort: string;
  matchId: string;
  names: string[];
}) {
  const mount = useRef<HTMLDivElement>(null);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  // Checked hash by hash as play passes it (replay-verify.tsx).
  const [episodes, setEpisodes] = useState<Replay[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [playing, setPlaying] = useState(true);
  const [speed, setSpeed] = useState(1);
  const [camera, setCamera] = useState<CameraMode>("broadcast");
  const [position, setPosition] = useState(0);
  // The animation loop reads these without re-subscribing.
  const live = useRef({ playing, speed, camera, position });
  live.current = { ...live.current, playing, speed, camera };

  useEffect(() => {
    fetch(replayUrl(serverPort, matchId))
      .then(async (r) => {
        if (!r.ok) throw new Error(`the replay could not be fetched (${r.status})`);
        return new Uint8Array(await r.arrayBuffer());
      })
      .then((bytes) => {
        setTimeline(buildTimeline(bytes, names));
        setEpisodes(decodeMatchReplay(bytes));
      })
      .catch((error: Error) => setProblem(error.message));
  }, [serverPort, matchId, names]);

  useEffect(() => {
    const host = mount.current;
    if (!host || !timeline || timeline.frames.length === 0) return;
    const field = new FieldScene(host);
    let frame = 0;
    let last = performance.now();
    let shown = -1;
    const draw = (now: number) => {
      frame = requestAnimationFrame(draw);
      const state = live.current;
      // rAF's timestamp can precede the moment the loop started: never step backwards.
      const elapsed = Math.max(0, now - last) / 1000;
      if (state.playing)
        state.position = Math.min(
          timeline.frames.length - 1,
          state.position + elapsed * FRAMES_PER_SECOND * state.speed,
        );
      last = now;
      const i = Math.floor(state.position);
      const a = timeline.frames[i]!;
      const b = timeline.frames[Math.min(i + 1, timeline.frames.length - 1)]!;
      field.draw(a, b, state.position - i, state.camera);
      // The scrubber and the score follow in steps of a tenth of a second.
      if (Math.floor(state.position / 3) !== shown) {
        shown = Math.floor(state.position / 3);
        setPosition(state.position);
      }
    };
    frame = requestAnimationFrame(draw);
    return () => {
      cancelAnimationFrame(frame);
      field.dispose();
    };
  }, [timeline]);

  const seek = (p: number) => {
    live.current.position = p;
    setPosition(p);
  };

  // Space plays and pauses, as in a video player (not while typing in a field or on a button).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.code !== "Space" || event.repeat) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest("input:not([type=range]), textarea, select, button, [contenteditable]")) return;
      event.preventDefault();
      setPlaying((p) => !p);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const i = Math.floor(position);
  const total = timeline?.frames.length ?? 0;
  const cars = timeline?.frames[i]?.cars ?? [];
  return (
    <div className="live-view">
      <div className="live-hud">
        <span className="hud-score">
          <b className="blue">{timeline?.blue[i] ?? 0}</b> –{" "}
          <b className="orange">{timeline?.orange[i] ?? 0}</b>
        </span>
        {/* Counts down, as the live clock does: time left in the match, then its length. */}
        <span className="hud-clock" data-testid="replay-time" title="time left / match length">
          {formatClock(Math.max(0, total - position) / FRAMES_PER_SECOND)} /{" "}
          {formatClock(total / FRAMES_PER_SECOND)}
        </span>
        <CameraButtons mode={camera} cars={cars} onChange={setCamera} />
      </div>
      <div ref={mount} className="live-canvas" />
      <div className="replay-controls">
        <button
          type="button"
          onClick={() => setPlaying((p) => !p)}
          disabled={!timeline}
          title="Space plays and pauses"
        >
          {playing ? "Pause" : "Play"}
        </button>
        <div className="timeline">
          <input
            type="range"
            aria-label="position"
            min={0}
            max={Math.max(0, total - 1)}
            step={1}
            value={Math.min(position, Math.max(0, total - 1))}
            onChange={(e) => seek(Number(e.target.value))}
            disabled={!timeline}
          />
          {timeline?.goals.map((g) => (
            <button
              type="button"
              key={`${g.frame}-${g.team}`}
              className={`goal-marker ${g.team === 0 ? "blue" : "orange"}`}
              data-testid="goal-marker"
              style={{ left: `${(100 * g.frame) / Math.max(1, total - 1)}%` }}
              title={`${goalText(g)}, ${formatClock(Math.max(0, total - g.frame) / FRAMES_PER_SECOND)} left`}
              aria-label={`goal ${g.blue}–${g.orange}`}
              onClick={() => seek(Math.max(0, g.frame - 3 * FRAMES_PER_SECOND))}
            >
              ▼
            </button>
          ))}
        </div>
        <select aria-label="speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
          {[0.25, 0.5, 1, 2, 4].map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
        <a className="download" href={replayUrl(serverPort, matchId)} download data-testid="replay-download">
          Download replay
        </a>
        <ReplayVerification episodes={episodes} seconds={position / FRAMES_PER_SECOND} />
      </div>
      {timeline && timeline.goals.length > 0 && (
        <ol className="goal-list" aria-label="Goals">
          {timeline.goals.map((g) => (
            <li key={`${g.frame}-${g.team}`} className={g.team === 0 ? "blue" : "orange"}>
              {/* Three seconds before the goal, to see it built. */}
              <button type="button" onClick={() => seek(Math.max(0, g.frame - 3 * FRAMES_PER_SECOND))}>
                {formatClock(Math.max(0, total - g.frame) / FRAMES_PER_SECOND)} · {goalText(g)}
              </button>
            </li>
          ))}
        </ol>
      )}
      {timeline && timeline.goals.length === 0 && <p className="muted goal-list">No goals in this match.</p>}
      {cars.length > 0 && <BoostMeters cars={cars} />}
      {!timeline && !problem && <div className="notice">Re-simulating the match from its replay…</div>}
      {problem && <div className="notice notice-error">{problem}</div>}
    </div>
  );
}
