"use client";

// Replays a finished car-soccer match by re-simulating it from its stored replay (seed, controls
// and state hashes) with the same engine as the server: no per-tick positions are stored.
import {
  A_BLUE_SCORE,
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

interface Timeline {
  frames: Frame[];
  /** Goals so far at each frame. */
  blue: Uint16Array;
  orange: Uint16Array;
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

/** Re-simulates every episode of the match, keeping a frame every FRAME_TICKS ticks. */
function buildTimeline(bytes: Uint8Array, names: string[]): Timeline {
  const episodes = decodeMatchReplay(bytes);
  const frames: Frame[] = [];
  const blue: number[] = [];
  const orange: number[] = [];
  let goalsBlue = 0;
  let goalsOrange = 0;
  for (const episode of episodes) {
    let last: CarSoccerState | null = null;
    simulateReplay(episode, undefined, (state, tick) => {
      last = state;
      if (tick % FRAME_TICKS !== 0) return;
      frames.push(frameOf(state, names, episode.teamSize));
      blue.push(goalsBlue + state.arena[A_BLUE_SCORE]!);
      orange.push(goalsOrange + state.arena[A_ORANGE_SCORE]!);
    });
    if (last) {
      goalsBlue += (last as CarSoccerState).arena[A_BLUE_SCORE]!;
      goalsOrange += (last as CarSoccerState).arena[A_ORANGE_SCORE]!;
    }
  }
  return { frames, blue: Uint16Array.from(blue), orange: Uint16Array.from(orange) };
}

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
    // The API is on the same host as the page, on the server's port.
    const replayUrl = `${window.location.protocol}//${window.location.hostname}:${serverPort}/api/v1/matches/${matchId}/replay`;
    fetch(replayUrl)
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
        <span className="hud-clock" data-testid="replay-time">
          {formatClock(position / FRAMES_PER_SECOND)} / {formatClock(total / FRAMES_PER_SECOND)}
        </span>
        <CameraButtons mode={camera} cars={cars} onChange={setCamera} />
      </div>
      <div ref={mount} className="live-canvas" />
      <div className="replay-controls">
        <button type="button" onClick={() => setPlaying((p) => !p)} disabled={!timeline}>
          {playing ? "Pause" : "Play"}
        </button>
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
        <select aria-label="speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
          {[0.25, 0.5, 1, 2, 4].map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
        <ReplayVerification episodes={episodes} seconds={position / FRAMES_PER_SECOND} />
      </div>
      {cars.length > 0 && <BoostMeters cars={cars} />}
      {!timeline && !problem && <div className="notice">Re-simulating the match from its replay…</div>}
      {problem && <div className="notice notice-error">{problem}</div>}
    </div>
  );
}
