// The car-soccer field in three.js, shared by the live view and the replay player: they hand it
// two snapshots and a blend factor, it draws the frame from the chosen camera.
import { carSoccerConstants as K } from "@league/envs";
import * as THREE from "three";

export interface CarFrame {
  name: string;
  team: number;
  /** Position, forward and up, in unreal units (x, y, z as the engine has them). */
  p: [number, number, number];
  f: [number, number, number];
  u: [number, number, number];
  boost: number;
  demoed: boolean;
}

export interface Frame {
  ball: [number, number, number];
  cars: CarFrame[];
}

export type CameraMode = "broadcast" | "ball" | `car-${number}`;

// Scene units are metres-ish: 1 unit = 100 uu, so the field is about 82 × 102.
const S = 1 / 100;
const BLUE = 0x3d8bfd;
const ORANGE = 0xff8a3d;

/** Engine (x, y, z up) to scene (x, y up, z towards the viewer). */
const toScene = (v: readonly number[], scale = S, out = new THREE.Vector3()) =>
  out.set(v[0]! * scale, v[2]! * scale, -v[1]! * scale);

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
  const c = (K.CORNER_SUM - K.BACK_WALL_Y) * S; // where the side walls meet the 45° corners
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
    const radius = big ? 1.2 : 0.6;
    const pad = new THREE.Mesh(
      new THREE.CylinderGeometry(radius, radius, 0.05, 16),
      new THREE.MeshBasicMaterial({ color: big ? 0xffc94d : 0xe8d9a0 }),
    );
    pad.position.set(x * S, 0.03, -y * S);
    scene.add(pad);
  }
}

export class FieldScene {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(50, 16 / 9, 0.1, 1000);
  private readonly ball: THREE.Mesh;
  private readonly cars: THREE.Mesh[] = [];
  private readonly onResize = () => this.resize();
  // Scratch objects: a frame allocates nothing.
  private readonly a = new THREE.Vector3();
  private readonly b = new THREE.Vector3();
  private readonly f = new THREE.Vector3();
  private readonly u = new THREE.Vector3();
  private readonly side = new THREE.Vector3();
  private readonly basis = new THREE.Matrix4();

  constructor(private readonly host: HTMLElement) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    host.appendChild(this.renderer.domElement);
    this.scene.background = new THREE.Color(0x0b1020);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x334455, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.2);
    sun.position.set(20, 60, 30);
    this.scene.add(sun);
    buildField(this.scene);
    this.ball = new THREE.Mesh(
      new THREE.SphereGeometry(K.BALL_RADIUS * S, 24, 16),
      new THREE.MeshStandardMaterial({ color: 0xf4f4f4 }),
    );
    this.scene.add(this.ball);
    this.resize();
    window.addEventListener("resize", this.onResize);
  }

  private resize(): void {
    const width = this.host.clientWidth;
    const height = Math.round((width * 9) / 16);
    this.renderer.setSize(width, height);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }

  private car(k: number, team: number): THREE.Mesh {
    if (!this.cars[k]) {
      const mesh = new THREE.Mesh(
        new THREE.BoxGeometry(2 * K.HITBOX_HALF_X * S, 2 * K.HITBOX_HALF_Z * S, 2 * K.HITBOX_HALF_Y * S),
        new THREE.MeshStandardMaterial({ color: team === 0 ? BLUE : ORANGE }),
      );
      this.scene.add(mesh);
      this.cars[k] = mesh;
    }
    return this.cars[k]!;
  }

  /** Draws the blend `t` (0..1) of two frames. */
  draw(from: Frame, to: Frame, t: number, mode: CameraMode): void {
    this.ball.position.lerpVectors(toScene(from.ball, S, this.a), toScene(to.ball, S, this.b), t);
    to.cars.forEach((car, k) => {
      const mesh = this.car(k, car.team);
      const prev = from.cars[k] ?? car;
      mesh.visible = !car.demoed;
      mesh.position.lerpVectors(toScene(prev.p, S, this.a), toScene(car.p, S, this.b), t);
      this.f.lerpVectors(toScene(prev.f, 1, this.a), toScene(car.f, 1, this.b), t).normalize();
      this.u.lerpVectors(toScene(prev.u, 1, this.a), toScene(car.u, 1, this.b), t).normalize();
      this.side.crossVectors(this.f, this.u).normalize();
      this.basis.makeBasis(this.f, this.u, this.side);
      mesh.quaternion.setFromRotationMatrix(this.basis);
    });
    const ball = this.ball.position;
    if (mode === "broadcast") {
      // From the stands on the side, panning a little with the ball, as a TV camera does.
      this.camera.position.set(-72, 42, ball.z * 0.35);
      this.camera.lookAt(ball.x * 0.2, 0, ball.z * 0.6);
    } else {
      const focus = mode.startsWith("car-") ? this.cars[Number(mode.slice(4))] : undefined;
      if (focus) {
        // Behind the car, looking at the ball: what a player's camera shows.
        const back = this.a.copy(ball).sub(focus.position).setY(0).normalize();
        this.camera.position
          .copy(focus.position)
          .addScaledVector(back, -9)
          .setY(focus.position.y + 3.5);
      } else {
        this.camera.position.set(ball.x, ball.y + 18, ball.z + 28);
      }
      this.camera.lookAt(ball);
    }
    this.renderer.render(this.scene, this.camera);
  }

  dispose(): void {
    window.removeEventListener("resize", this.onResize);
    this.renderer.dispose();
    this.host.removeChild(this.renderer.domElement);
  }
}
