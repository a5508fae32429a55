"use client";

// The live 3D view of a car-soccer match: joins the match's Colyseus room as a spectator, keeps
// the last patches, and draws the field with three.js, interpolated between patches so that it
// moves smoothly at the browser's frame rate whatever the patch rate.
import { carSoccerConstants as K } from "@league/envs";
import { Client, type Room } from "colyseus.js";
import { useEffect, useRef, useState } from "react";
import * as THREE from "three";

interface CarSnap {
  name: string;
  team: number;
  p: THREE.Vector3;
  f: THREE.Vector3;
  u: THREE.Vector3;
  boost: number;
  demoed: boolean;
  supersonic: boolean;
}

interface Snapshot {
  at: number;
  ball: THREE.Vector3;
  cars: CarSnap[];
  blue: number;
  orange: number;
  clock: number;
  status: string;
  tick: number;
}

type Camera = "broadcast" | "ball" | `car-${number}`;

// Scene units are metres-ish: 1 unit = 100 uu, so the field is about 82 × 102.
const S = 1 / 100;
const BLUE = 0x3d8bfd;
const ORANGE = 0xff8a3d;
/** How far behind the newest patch we draw: long enough to always have two patches to blend. */
const RENDER_DELAY_MS = 100;

interface RoomState {
  ball: { x: number; y: number; z: number };
  cars: { forEach(fn: (car: RoomCar) => void): void };
  blue: number;
  orange: number;
  clock: number;
  status: string;
  tick: number;
}

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
  supersonic: boolean;
}

function readState(state: RoomState, at: number): Snapshot {
  const v = (x: number, y: number, z: number) => new THREE.Vector3(x * S, z * S, -y * S);
  const cars: CarSnap[] = [];
  state.cars.forEach((c) => {
    cars.push({
      name: c.name,
      team: c.team,
      p: v(c.x, c.y, c.z),
      f: new THREE.Vector3(c.fx, c.fz, -c.fy),
      u: new THREE.Vector3(c.ux, c.uz, -c.uy),
      boost: c.boost,
      demoed: c.demoed,
      supersonic: c.supersonic,
    });
  });
  return {
    at,
    ball: v(state.ball.x, state.ball.y, state.ball.z),
    cars,
    blue: state.blue,
    orange: state.orange,
    clock: state.clock,
    status: state.status,
    tick: state.tick,
  };
}

function buildField(scene: THREE.Scene): void {
  const w = K.SIDE_WALL_X * S;
  const l = K.BACK_WALL_Y * S;
  const floor = new THREE.Mesh(
    new THREE.PlaneGeometry(2 * w, 2 * l),
    new THREE.MeshLambertMaterial({ color: 0x1f6b3a }),
  );
  floor.rotation.x = -Math.PI / 2;
  scene.add(floor);
  const lines = new THREE.LineBasicMaterial({ color: 0xd9f2e3 });
  const c = (K.CORNER_SUM - K.BACK_WALL_Y) * S; // corner cut: x where the side wall meets the 45° corner
  const outline = [
    [-w, -c],
    [-w, c],
    [-c, l],
    [c, l],
    [w, c],
    [w, -c],
    [c, -l],
    [-c, -l],
    [-w, -c],
  ].map(([x, z]) => new THREE.Vector3(x!, 0.02, z!));
  scene.add(new THREE.Line(new THREE.BufferGeometry().setFromPoints(outline), lines));
  scene.add(
    new THREE.Line(
      new THREE.BufferGeometry().setFromPoints([
        new THREE.Vector3(-w, 0.02, 0),
        new THREE.Vector3(w, 0.02, 0),
      ]),
      lines,
    ),
  );
  const circle = new THREE.EllipseCurve(0, 0, 10, 10)
    .getPoints(48)
    .map((p) => new THREE.Vector3(p.x, 0.02, p.y));
  scene.add(new THREE.Line(new THREE.BufferGeometry().setFromPoints(circle), lines));
  // Goals: blue defends −y (scene +z), orange defends +y (scene −z).
  for (const [team, zSign] of [
    [BLUE, 1],
    [ORANGE, -1],
  ] as const) {
    const goal = new THREE.Mesh(
      new THREE.BoxGeometry(
        2 * K.GOAL_HALF_WIDTH * S,
        K.GOAL_HEIGHT * S,
        (K.GOAL_BACK_Y - K.BACK_WALL_Y) * S,
      ),
      new THREE.MeshLambertMaterial({ color: team, transparent: true, opacity: 0.35 }),
    );
    goal.position.set(
      0,
      (K.GOAL_HEIGHT * S) / 2,
      zSign * (K.BACK_WALL_Y + (K.GOAL_BACK_Y - K.BACK_WALL_Y) / 2) * S,
    );
    scene.add(goal);
  }
  for (const [x, y, big] of K.BOOST_PADS) {
    const pad = new THREE.Mesh(
      new THREE.CylinderGeometry((big ? 1.2 : 0.6) * 1, (big ? 1.2 : 0.6) * 1, 0.05, 16),
      new THREE.MeshBasicMaterial({ color: big ? 0xffc94d : 0xe8d9a0 }),
    );
    pad.position.set(x * S, 0.03, -y * S);
    scene.add(pad);
  }
}

export function LiveView({ serverPort, roomId }: { serverPort: string; roomId: string }) {
  const mount = useRef<HTMLDivElement>(null);
  const [hud, setHud] = useState<{
    blue: number;
    orange: number;
    clock: number;
    status: string;
    cars: CarSnap[];
  } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [camera, setCamera] = useState<Camera>("broadcast");
  const cameraRef = useRef<Camera>("broadcast");
  cameraRef.current = camera;

  useEffect(() => {
    const host = mount.current;
    if (!host) return;
    let room: Room | null = null;
    let frame = 0;
    let disposed = false;
    const snapshots: Snapshot[] = [];

    const renderer = new THREE.WebGLRenderer({ antialias: true });
    renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    host.appendChild(renderer.domElement);
    const scene = new THREE.Scene();
    scene.background = new THREE.Color(0x0b1020);
    scene.add(new THREE.HemisphereLight(0xffffff, 0x334455, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.2);
    sun.position.set(20, 60, 30);
    scene.add(sun);
    buildField(scene);
    const view = new THREE.PerspectiveCamera(50, 16 / 9, 0.1, 1000);
    const ball = new THREE.Mesh(
      new THREE.SphereGeometry(K.BALL_RADIUS * S, 24, 16),
      new THREE.MeshStandardMaterial({ color: 0xf4f4f4 }),
    );
    scene.add(ball);
    const carMeshes: THREE.Mesh[] = [];
    const carMesh = (team: number) => {
      const mesh = new THREE.Mesh(
        new THREE.BoxGeometry(2 * K.HITBOX_HALF_X * S, 2 * K.HITBOX_HALF_Z * S, 2 * K.HITBOX_HALF_Y * S),
        new THREE.MeshStandardMaterial({ color: team === 0 ? BLUE : ORANGE }),
      );
      scene.add(mesh);
      return mesh;
    };

    const resize = () => {
      const width = host.clientWidth;
      const height = Math.round((width * 9) / 16);
      renderer.setSize(width, height);
      view.aspect = width / height;
      view.updateProjectionMatrix();
    };
    resize();
    window.addEventListener("resize", resize);

    const basis = new THREE.Matrix4();
    const side = new THREE.Vector3();
    const draw = (now: number) => {
      frame = requestAnimationFrame(draw);
      const target = now - RENDER_DELAY_MS;
      let i = snapshots.length - 1;
      while (i > 0 && snapshots[i - 1]!.at > target) i--;
      const b = snapshots[i];
      const a = snapshots[i - 1] ?? b;
      if (!a || !b) return;
      const t = b.at === a.at ? 1 : Math.min(1, Math.max(0, (target - a.at) / (b.at - a.at)));
      ball.position.lerpVectors(a.ball, b.ball, t);
      b.cars.forEach((car, k) => {
        if (!carMeshes[k]) carMeshes[k] = carMesh(car.team);
        const mesh = carMeshes[k]!;
        const from = a.cars[k] ?? car;
        mesh.visible = !car.demoed;
        mesh.position.lerpVectors(from.p, car.p, t);
        const f = from.f.clone().lerp(car.f, t).normalize();
        const u = from.u.clone().lerp(car.u, t).normalize();
        side.crossVectors(u, f).normalize();
        basis.makeBasis(f, u, side.negate());
        mesh.quaternion.setFromRotationMatrix(basis);
      });
      const mode = cameraRef.current;
      if (mode === "broadcast") {
        // From the stands on the side, panning a little with the ball, as a TV camera does.
        view.position.set(-72, 42, ball.position.z * 0.35);
        view.lookAt(ball.position.x * 0.2, 0, ball.position.z * 0.6);
      } else {
        const k = mode.startsWith("car-") ? Number(mode.slice(4)) : -1;
        const focus = carMeshes[k];
        if (focus) {
          // Behind the car, looking at the ball: what a player's camera shows.
          const back = ball.position.clone().sub(focus.position).setY(0).normalize();
          view.position
            .copy(focus.position)
            .addScaledVector(back, -9)
            .setY(focus.position.y + 3.5);
          view.lookAt(ball.position);
        } else {
          view.position.set(ball.position.x, ball.position.y + 18, ball.position.z + 28);
          view.lookAt(ball.position);
        }
      }
      renderer.render(scene, view);
    };
    frame = requestAnimationFrame(draw);

    (async () => {
      const protocol = window.location.protocol === "https:" ? "wss" : "ws";
      const client = new Client(`${protocol}://${window.location.hostname}:${serverPort}`);
      room = await client.joinById(roomId);
      if (disposed) return void room.leave();
      let lastHud = 0;
      room.onStateChange((state: RoomState) => {
        const snap = readState(state, performance.now());
        snapshots.push(snap);
        if (snapshots.length > 30) snapshots.shift();
        // The text overlay needs no more than a few updates a second.
        if (snap.at - lastHud > 200) {
          lastHud = snap.at;
          setHud({
            blue: snap.blue,
            orange: snap.orange,
            clock: snap.clock,
            status: snap.status,
            cars: snap.cars,
          });
        }
      });
      room.onMessage("*", () => {});
      room.onLeave(() => setProblem((p) => p ?? "the match has ended; reload to see its result"));
    })().catch((error: Error) => setProblem(error.message));

    return () => {
      disposed = true;
      cancelAnimationFrame(frame);
      window.removeEventListener("resize", resize);
      void room?.leave();
      renderer.dispose();
      host.removeChild(renderer.domElement);
    };
  }, [serverPort, roomId]);

  const clock = hud
    ? `${Math.floor(hud.clock / 60)}:${String(Math.floor(hud.clock % 60)).padStart(2, "0")}`
    : "–:––";
  return (
    <div className="live-view">
      <div className="live-hud">
        <span className="hud-score">
          <b className="blue">{hud?.blue ?? 0}</b> – <b className="orange">{hud?.orange ?? 0}</b>
        </span>
        <span className="hud-clock" data-testid="clock">
          {clock}
        </span>
        <span className="muted">{hud?.status ?? "connecting…"}</span>
        <span className="hud-cameras">
          {(["broadcast", "ball", ...(hud?.cars.map((_, k) => `car-${k}`) ?? [])] as Camera[]).map((c) => (
            <button
              key={c}
              type="button"
              className={c === camera ? "on" : undefined}
              onClick={() => setCamera(c)}
            >
              {c.startsWith("car-")
                ? (hud?.cars[Number(c.slice(4))]?.name ?? c)
                : c === "ball"
                  ? "ball cam"
                  : "broadcast"}
            </button>
          ))}
        </span>
      </div>
      <div ref={mount} className="live-canvas" />
      {hud && (
        <div className="boost-meters">
          {hud.cars.map((car, k) => (
            // Seats never change order during a match, so the index is a stable key.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <div key={k} className={`boost ${car.team === 0 ? "blue" : "orange"}`}>
              <span>{car.name}</span>
              <meter min={0} max={100} value={car.boost} />
              <span className="muted">{Math.round(car.boost)}</span>
            </div>
          ))}
        </div>
      )}
      {problem && <div className="notice">{problem}</div>}
    </div>
  );
}
