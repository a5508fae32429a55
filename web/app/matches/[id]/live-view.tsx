"use client";

// The live 3D view of a car-soccer match: joins the match's Colyseus room as a spectator, keeps
// the last patches, and draws them interpolated so that motion is smooth at the browser's frame
// rate whatever the patch rate.
import type { Room } from "colyseus.js";
import { useEffect, useRef, useState } from "react";
import { BoostMeters, CameraButtons, formatClock } from "./camera-buttons";
import { type CameraMode, type CarFrame, FieldScene, type Frame } from "./field-scene";
import { useFollowMatch } from "./follow";
import { joinAsSpectator } from "./spectate";

interface RoomCar {
  name: string;
  team: number;
  x: number;
  y: number;
  z: number;
  fx: number;
  fy: number;
  fz: number;
  ux: number;
  uy: number;
  uz: number;
  boost: number;
  demoed: boolean;
}

interface RoomState {
  ball: { x: number; y: number; z: number };
  cars: { forEach(fn: (car: RoomCar) => void): void };
  blue: number;
  orange: number;
  clock: number;
  status: string;
}

interface Snapshot extends Frame {
  at: number;
}

/** How far behind the newest patch we draw: long enough to always have two patches to blend. */
const RENDER_DELAY_MS = 100;

function snapshot(state: RoomState, at: number): Snapshot {
  const cars: CarFrame[] = [];
  state.cars.forEach((c) => {
    cars.push({
      name: c.name,
      team: c.team,
      p: [c.x, c.y, c.z],
      f: [c.fx, c.fy, c.fz],
      u: [c.ux, c.uy, c.uz],
      boost: c.boost,
      demoed: c.demoed,
    });
  });
  return { at, ball: [state.ball.x, state.ball.y, state.ball.z], cars };
}

export function LiveView({
  serverPort,
  roomId,
  matchId,
  leagueId,
}: {
  serverPort: string;
  roomId: string;
  matchId: string;
  leagueId: string;
}) {
  const mount = useRef<HTMLDivElement>(null);
  const [hud, setHud] = useState<{
    blue: number;
    orange: number;
    clock: number;
    status: string;
    cars: CarFrame[];
  } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [camera, setCamera] = useState<CameraMode>("broadcast");
  const cameraRef = useRef<CameraMode>("broadcast");
  cameraRef.current = camera;
  const { roomGone, notice } = useFollowMatch(serverPort, matchId, leagueId);

  useEffect(() => {
    const host = mount.current;
    if (!host) return;
    const field = new FieldScene(host);
    const snapshots: Snapshot[] = [];
    let room: Room | null = null;
    let frame = 0;
    let disposed = false;
    const draw = (now: number) => {
      frame = requestAnimationFrame(draw);
      const target = now - RENDER_DELAY_MS;
      let i = snapshots.length - 1;
      while (i > 0 && snapshots[i - 1]!.at > target) i--;
      const b = snapshots[i];
      const a = snapshots[i - 1] ?? b;
      if (!a || !b) return;
      const t = b.at === a.at ? 1 : Math.min(1, Math.max(0, (target - a.at) / (b.at - a.at)));
      field.draw(a, b, t, cameraRef.current);
    };
    frame = requestAnimationFrame(draw);

    (async () => {
      room = await joinAsSpectator(serverPort, roomId, () => disposed);
      if (!room) return;
      let lastHud = 0;
      room.onStateChange((state: RoomState) => {
        const snap = snapshot(state, performance.now());
        snapshots.push(snap);
        if (snapshots.length > 30) snapshots.shift();
        // The text overlay needs no more than a few updates a second.
        if (snap.at - lastHud > 200) {
          lastHud = snap.at;
          setHud({
            blue: state.blue,
            orange: state.orange,
            clock: state.clock,
            status: state.status,
            cars: snap.cars,
          });
        }
      });
      room.onMessage("*", () => {});
      // Ended or lost (its server died): follow the match to its result, or to the next live one.
      room.onLeave(() => {
        if (!disposed) roomGone();
      });
    })().catch((error: Error) => setProblem(error.message));

    return () => {
      disposed = true;
      cancelAnimationFrame(frame);
      void room?.leave();
      field.dispose();
    };
  }, [serverPort, roomId, roomGone]);

  return (
    <div className="live-view">
      <div className="live-hud">
        <span className="hud-score">
          <b className="blue">{hud?.blue ?? 0}</b> – <b className="orange">{hud?.orange ?? 0}</b>
        </span>
        <span className="hud-clock" data-testid="clock">
          {hud ? formatClock(hud.clock) : "–:––"}
        </span>
        <span className="muted">{hud?.status ?? "connecting…"}</span>
        <CameraButtons mode={camera} cars={hud?.cars ?? []} onChange={setCamera} />
      </div>
      <div ref={mount} className="live-canvas" />
      {hud && <BoostMeters cars={hud.cars} />}
      {(problem ?? notice) && (
        <div className="notice" data-testid="live-notice">
          {problem ?? notice}
        </div>
      )}
    </div>
  );
}
