// The car-soccer field in three.js, shared by the live view and the replay player: they hand it
// two snapshots and a blend factor, it draws the frame from the chosen camera. Nothing is loaded
// from outside: the arena, cars and name tags are built from geometry and canvas text.
import { carSoccerConstants as K } from "@league/envs";
import * as THREE from "three";
import { ARENA, BLUE, buildArena, ORANGE, S } from "./field-arena";
import { paintedGeometry } from "./merge-static";
import { ResolutionGovernor } from "./resolution";

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

/** Ball positions the trail keeps, and how long (ms of wall time) it shows them: a short tail. */
const TRAIL = 40;
const TRAIL_MS = 350;
/** Cars are drawn this much larger than their hitbox, so that they can be followed from the stands. */
const CAR_SCALE = 1.5;

/** Engine (x, y, z up) to scene (x, y up, z towards the viewer). */
const toScene = (v: readonly number[], scale = S, out = new THREE.Vector3()) =>
  out.set(v[0]! * scale, v[2]! * scale, -v[1]! * scale);

/** An Octane-sized car: body, cabin and wheels, in the team's colour; +x is forward. */
function carModel(team: number): { group: THREE.Group; flame: THREE.Mesh } {
  const group = new THREE.Group();
  const lx = 2 * K.HITBOX_HALF_X * S;
  const ly = 2 * K.HITBOX_HALF_Z * S;
  const lz = 2 * K.HITBOX_HALF_Y * S;
  // One mesh with vertex colours (one draw call a car, not six).
  const parts: [THREE.BufferGeometry, number][] = [
    [new THREE.BoxGeometry(lx, ly * 0.6, lz).translate(0, ly * 0.45, 0), team === 0 ? BLUE : ORANGE],
    [new THREE.BoxGeometry(lx * 0.5, ly * 0.45, lz * 0.8).translate(-lx * 0.08, ly * 0.95, 0), 0x1b2238],
  ];
  for (const [x, z] of [
    [0.32, 0.5],
    [0.32, -0.5],
    [-0.32, 0.5],
    [-0.32, -0.5],
  ]) {
    const wheel = new THREE.CylinderGeometry(ly * 0.38, ly * 0.38, lz * 0.18, 12).rotateX(Math.PI / 2);
    parts.push([wheel.translate(x! * lx, ly * 0.3, z! * lz), 0x111111]);
  }
  group.add(
    new THREE.Mesh(
      paintedGeometry(parts),
      new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.5, metalness: 0.25 }),
    ),
  );
  // Shown while the car spends boost.
  const flame = new THREE.Mesh(
    new THREE.ConeGeometry(ly * 0.3, lx * 0.6, 10),
    new THREE.MeshBasicMaterial({ color: 0xffb347, transparent: true, opacity: 0.85 }),
  );
  flame.rotation.z = Math.PI / 2;
  flame.position.set(-lx * 0.8, ly * 0.45, 0);
  flame.visible = false;
  group.add(flame);
  return { group, flame };
}

/** The tag's size on screen (fractions of the view's height) and its boost bar, in canvas pixels. */
const TAG_W = 0.16;
const TAG_H = 0.045;
const TAG_PX = { w: 256, h: 72, barX: 12, barY: 48, barW: 232, barH: 12 };
// The fill's height, and its bar's left edge and middle, in tag units from the tag's centre (y up).
const FILL_SY = TAG_PX.barH / TAG_PX.h;
const FILL_LEFT = TAG_PX.barX / TAG_PX.w - 0.5;
const FILL_MIDDLE = 0.5 - (TAG_PX.barY + TAG_PX.barH / 2) / TAG_PX.h;

/**
 * A name tag with a boost bar. The canvas (name, bar's track) is drawn and uploaded once; the bar's
 * fill is a second sprite scaled to the boost, so a car spending boost re-uploads no texture.
 */
class NameTag {
  readonly sprite: THREE.Sprite;
  private readonly fill: THREE.Sprite;
  private readonly texture: THREE.CanvasTexture;
  private shown = -1;

  constructor(name: string, team: number) {
    const canvas = document.createElement("canvas");
    canvas.width = TAG_PX.w;
    canvas.height = TAG_PX.h;
    const g = canvas.getContext("2d")!;
    g.fillStyle = "rgba(11,16,32,0.78)";
    g.beginPath();
    g.roundRect(2, 2, TAG_PX.w - 4, TAG_PX.h - 4, 12);
    g.fill();
    g.fillStyle = team === 0 ? "#7fb2ff" : "#ffb27f";
    g.font = "600 28px system-ui, sans-serif";
    g.textBaseline = "top";
    g.fillText(name.length > 16 ? `${name.slice(0, 15)}…` : name, 12, 8);
    g.fillStyle = "#2a3357";
    g.fillRect(TAG_PX.barX, TAG_PX.barY, TAG_PX.barW, TAG_PX.barH);
    this.texture = new THREE.CanvasTexture(canvas);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    // Drawn near its canvas size: no mipmaps (their trilinear sampling was the scene's largest cost
    // on a software renderer, bench/web/RESULTS.md).
    this.texture.generateMipmaps = false;
    this.texture.minFilter = THREE.LinearFilter;
    this.sprite = new THREE.Sprite(
      new THREE.SpriteMaterial({ map: this.texture, depthTest: false, transparent: true }),
    );
    // Constant size on screen, whatever the distance.
    this.sprite.material.sizeAttenuation = false;
    this.sprite.scale.set(TAG_W, TAG_H, 1);
    this.sprite.renderOrder = 10;
    this.fill = new THREE.Sprite(
      // Transparent, so it is drawn after the tag (renderOrder sorts within a pass, and opaque goes first).
      new THREE.SpriteMaterial({
        color: 0xffc94d,
        depthTest: false,
        sizeAttenuation: false,
        transparent: true,
      }),
    );
    this.fill.renderOrder = 11;
    this.fill.visible = false;
    // Its anchor is the tag's centre (a child at the origin); `center` moves the quad onto the bar.
    this.sprite.add(this.fill);
  }

  update(boost: number): void {
    const whole = Math.round(Math.max(0, Math.min(100, boost)));
    if (whole === this.shown) return;
    this.shown = whole;
    this.fill.visible = whole > 0;
    if (whole === 0) return;
    // A child's scale multiplies the tag's: in tag units, the bar is barW/w wide at full boost.
    const sx = ((TAG_PX.barW / TAG_PX.w) * whole) / 100;
    this.fill.scale.set(sx, FILL_SY, 1);
    // Quad corners are (±0.5 − (center − 0.5))·scale: its left edge on the bar's, its middle too.
    this.fill.center.set(-FILL_LEFT / sx, 0.5 - FILL_MIDDLE / FILL_SY);
  }

  dispose(): void {
    this.texture.dispose();
    this.sprite.material.dispose();
    this.fill.material.dispose();
  }
}

/** Whether WebGL is drawn by the CPU (SwiftShader, llvmpipe): no GPU on this machine. */
function softwareRenderer(): boolean {
  const gl = document.createElement("canvas").getContext("webgl");
  const info = gl?.getExtension("WEBGL_debug_renderer_info");
  const name = info ? String(gl!.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  gl?.getExtension("WEBGL_lose_context")?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(name);
}

interface CarView {
  group: THREE.Group;
  flame: THREE.Mesh;
  halo: THREE.Mesh;
  tag: NameTag;
}

export class FieldScene {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(42, 16 / 9, 0.5, 600);
  private readonly ball: THREE.Mesh;
  private readonly trail: THREE.Line;
  private readonly trailPositions = new Float32Array(TRAIL * 3);
  private readonly trailTimes = new Float64Array(TRAIL);
  private trailFilled = 0;
  private readonly cars: CarView[] = [];
  private readonly onResize = () => this.resize();
  // Scratch objects: a frame allocates nothing.
  private readonly a = new THREE.Vector3();
  private readonly b = new THREE.Vector3();
  private readonly f = new THREE.Vector3();
  private readonly u = new THREE.Vector3();
  private readonly side = new THREE.Vector3();
  private readonly basis = new THREE.Matrix4();
  private readonly target = new THREE.Vector3();
  private readonly lookAt = new THREE.Vector3();
  private readonly eye = new THREE.Vector3(-70, 45, 0);
  private lastDraw = 0;
  private frames = 0;
  private readonly resolution = new ResolutionGovernor();
  private readonly deviceRatio = Math.min(2, window.devicePixelRatio);

  constructor(private readonly host: HTMLElement) {
    // Multisampling multiplies a software renderer's fill cost; there the resolution is the better
    // spend, and the arena's largest surfaces are drawn cheaply.
    const software = softwareRenderer();
    const antialias = !software;
    this.renderer = new THREE.WebGLRenderer({ antialias, powerPreference: "high-performance" });
    this.renderer.domElement.dataset.antialias = String(antialias);
    this.renderer.setPixelRatio(this.deviceRatio);
    this.renderer.domElement.dataset.resolutionScale = "1";
    host.appendChild(this.renderer.domElement);
    this.scene.background = new THREE.Color(0x0b1020);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x334455, 1.5));
    const sun = new THREE.DirectionalLight(0xffffff, 1.3);
    sun.position.set(20, 60, 30);
    this.scene.add(sun);
    buildArena(this.scene, software ? "low" : "full");
    this.renderer.domElement.dataset.arenaDetail = software ? "low" : "full";
    this.ball = new THREE.Mesh(
      new THREE.SphereGeometry(K.BALL_RADIUS * S, 24, 16),
      new THREE.MeshStandardMaterial({ color: 0xf4f4f4, emissive: 0x333333, roughness: 0.4 }),
    );
    this.scene.add(this.ball);
    // The ball's recent path, fading out behind it.
    const trailGeometry = new THREE.BufferGeometry();
    trailGeometry.setAttribute("position", new THREE.BufferAttribute(this.trailPositions, 3));
    const fade = new Float32Array(TRAIL * 3);
    for (let i = 0; i < TRAIL; i++) fade.fill(1 - i / TRAIL, i * 3, i * 3 + 3);
    trailGeometry.setAttribute("color", new THREE.BufferAttribute(fade, 3));
    this.trail = new THREE.Line(
      trailGeometry,
      new THREE.LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.9 }),
    );
    this.trail.frustumCulled = false;
    this.scene.add(this.trail);
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

  private car(k: number, car: CarFrame): CarView {
    if (!this.cars[k]) {
      const { group, flame } = carModel(car.team);
      group.scale.setScalar(CAR_SCALE);
      // A team-coloured ring under the car: it stays visible from far away and in the air.
      const halo = new THREE.Mesh(
        new THREE.RingGeometry(0.9, 1.15, 24),
        new THREE.MeshBasicMaterial({
          color: car.team === 0 ? BLUE : ORANGE,
          transparent: true,
          opacity: 0.6,
          side: THREE.DoubleSide,
        }),
      );
      halo.rotation.x = -Math.PI / 2;
      const tag = new NameTag(car.name, car.team);
      this.scene.add(group, halo, tag.sprite);
      this.cars[k] = { group, flame, halo, tag };
    }
    return this.cars[k]!;
  }

  private pushTrail(p: THREE.Vector3, now: number): void {
    // Newest first: shift the rest back by one point.
    this.trailPositions.copyWithin(3, 0, (TRAIL - 1) * 3);
    this.trailTimes.copyWithin(1, 0, TRAIL - 1);
    this.trailPositions[0] = p.x;
    this.trailPositions[1] = p.y;
    this.trailPositions[2] = p.z;
    this.trailTimes[0] = now;
    this.trailFilled = Math.min(TRAIL, this.trailFilled + 1);
    let shown = 1;
    while (shown < this.trailFilled && now - this.trailTimes[shown]! < TRAIL_MS) shown++;
    this.trail.geometry.setDrawRange(0, shown);
    (this.trail.geometry.getAttribute("position") as THREE.BufferAttribute).needsUpdate = true;
  }

  /** Draws the blend `t` (0..1) of two frames. */
  draw(from: Frame, to: Frame, t: number, mode: CameraMode): void {
    const now = performance.now();
    const dt = this.lastDraw ? Math.min(0.1, (now - this.lastDraw) / 1000) : 1;
    this.lastDraw = now;
    this.ball.position.lerpVectors(toScene(from.ball, S, this.a), toScene(to.ball, S, this.b), t);
    const ball = this.ball.position;
    // A jump of more than 15 m in one frame is a kickoff reset or a seek: the trail starts again.
    if (this.trailFilled > 0 && ball.distanceTo(this.a.fromArray(this.trailPositions, 0)) > 15)
      this.trailFilled = 0;
    this.pushTrail(ball, now);
    // Where the play is: the ball, weighted double, and the cars.
    this.target.copy(ball).multiplyScalar(2);
    let weight = 2;
    let spread = 0;
    to.cars.forEach((car, k) => {
      const view = this.car(k, car);
      const prev = from.cars[k] ?? car;
      const { group } = view;
      group.visible = !car.demoed;
      view.halo.visible = !car.demoed;
      view.tag.sprite.visible = !car.demoed;
      group.position.lerpVectors(toScene(prev.p, S, this.a), toScene(car.p, S, this.b), t);
      this.f.lerpVectors(toScene(prev.f, 1, this.a), toScene(car.f, 1, this.b), t).normalize();
      this.u.lerpVectors(toScene(prev.u, 1, this.a), toScene(car.u, 1, this.b), t).normalize();
      this.side.crossVectors(this.f, this.u).normalize();
      this.basis.makeBasis(this.f, this.u, this.side);
      group.quaternion.setFromRotationMatrix(this.basis);
      view.flame.visible = car.boost < prev.boost - 1e-6;
      view.halo.position.set(group.position.x, 0.05, group.position.z);
      view.tag.sprite.position.set(group.position.x, group.position.y + 2.2, group.position.z);
      view.tag.update(car.boost);
      if (!car.demoed) {
        this.target.add(group.position);
        weight++;
      }
    });
    this.target.divideScalar(weight).setY(0);
    for (const view of this.cars)
      if (view.group.visible) spread = Math.max(spread, view.group.position.distanceTo(this.target));
    spread = Math.max(spread, ball.distanceTo(this.target));
    this.placeCamera(mode, ball, spread, dt);
    this.renderer.render(this.scene, this.camera);
    // Draw calls a frame, for the bench (bench/web reads it; sampled, not per frame).
    if (this.frames++ % 120 === 0)
      this.renderer.domElement.dataset.drawCalls = String(this.renderer.info.render.calls);
    const scale = this.resolution.frame(now);
    if (scale !== null) {
      this.renderer.setPixelRatio(this.deviceRatio * scale);
      this.renderer.domElement.dataset.resolutionScale = scale.toFixed(2);
    }
  }

  private placeCamera(mode: CameraMode, ball: THREE.Vector3, spread: number, dt: number): void {
    // Eased towards where it should be (about a third of a second), so it never jerks.
    const ease = 1 - Math.exp(-dt * 3);
    if (mode === "broadcast") {
      // From the side stands, elevated, close enough that the play fills the frame: the distance
      // grows with how spread out the ball and cars are, within the field.
      const distance = THREE.MathUtils.clamp(16 + spread * 1.15, 26, 85);
      const z = THREE.MathUtils.clamp(this.target.z, -ARENA.L * 0.8, ARENA.L * 0.8);
      this.a.set(this.target.x - distance * 0.72, distance * 0.7, z);
      this.b.set(this.target.x * 0.7, 0, z);
    } else {
      const focus = mode.startsWith("car-") ? this.cars[Number(mode.slice(4))]?.group : undefined;
      if (focus) {
        // Behind the car, looking at the ball: what a player's camera shows.
        const back = this.side.copy(ball).sub(focus.position).setY(0).normalize();
        this.a
          .copy(focus.position)
          .addScaledVector(back, -9)
          .setY(focus.position.y + 3.5);
      } else {
        this.a.set(ball.x, ball.y + 16, ball.z + 24);
      }
      this.b.copy(ball);
      // Never behind a wall or above the ceiling, looking at the outside of the arena.
      this.a.set(
        THREE.MathUtils.clamp(this.a.x, -ARENA.W + 1, ARENA.W - 1),
        THREE.MathUtils.clamp(this.a.y, 1, ARENA.H - 1),
        THREE.MathUtils.clamp(this.a.z, -ARENA.L + 1, ARENA.L - 1),
      );
    }
    this.eye.lerp(this.a, ease);
    this.lookAt.lerp(this.b, ease);
    this.camera.position.copy(this.eye);
    this.camera.lookAt(this.lookAt);
  }

  dispose(): void {
    window.removeEventListener("resize", this.onResize);
    for (const view of this.cars) view.tag.dispose();
    this.renderer.dispose();
    this.host.removeChild(this.renderer.domElement);
  }
}
