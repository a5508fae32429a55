// The car-soccer arena as the engine simulates it (envs/src/car-soccer/constants.ts): a box with
// 45° corner planes, a ceiling, and a goal box behind each back wall; drawn once per scene.
import { carSoccerConstants as K } from "@league/envs";
import * as THREE from "three";
import { mergeStatic } from "./merge-static";

// Scene units are metres-ish: 1 unit = 100 uu, so the field is about 82 × 102.
export const S = 1 / 100;
export const BLUE = 0x3d8bfd;
export const ORANGE = 0xff8a3d;

const W = K.SIDE_WALL_X * S;
const L = K.BACK_WALL_Y * S;
const H = K.CEILING_Z * S;
/** Where the side walls meet the 45° corners (and the corners meet the back walls). */
const C = (K.CORNER_SUM - K.BACK_WALL_Y) * S;
const GW = K.GOAL_HALF_WIDTH * S;
const GH = K.GOAL_HEIGHT * S;
const GD = (K.GOAL_BACK_Y - K.BACK_WALL_Y) * S;

const line = (points: [number, number, number][], material: THREE.LineBasicMaterial) =>
  new THREE.Line(
    new THREE.BufferGeometry().setFromPoints(points.map((p) => new THREE.Vector3(...p))),
    material,
  );

/** A vertical wall panel from (x1, z1) to (x2, z2), floor to `top`, facing inwards. */
function panel(
  x1: number,
  z1: number,
  x2: number,
  z2: number,
  bottom: number,
  top: number,
  m: THREE.Material,
) {
  const g = new THREE.BufferGeometry();
  g.setAttribute(
    "position",
    new THREE.Float32BufferAttribute(
      [x1, bottom, z1, x2, bottom, z2, x2, top, z2, x1, bottom, z1, x2, top, z2, x1, top, z1],
      3,
    ),
  );
  g.computeVertexNormals();
  return new THREE.Mesh(g, m);
}

/**
 * How much per-pixel work the arena may cost. "low" is for WebGL drawn by the CPU (SwiftShader,
 * llvmpipe), where filling pixels is the frame's cost: the grass unlit and the walls' faint glass
 * left out (their edges stay), the two largest areas a frame fills.
 */
export type ArenaDetail = "full" | "low";

/** Grass in two shades of stripes across the field, and the markings a broadcast shows. */
function buildFloor(scene: THREE.Scene, detail: ArenaDetail): void {
  const stripes = 10;
  for (let i = 0; i < stripes; i++) {
    const color = i % 2 ? 0x236f3e : 0x1d6236;
    const stripe = new THREE.Mesh(
      new THREE.PlaneGeometry(2 * W, (2 * L) / stripes),
      detail === "low" ? new THREE.MeshBasicMaterial({ color }) : new THREE.MeshLambertMaterial({ color }),
    );
    stripe.rotation.x = -Math.PI / 2;
    stripe.position.set(0, 0, -L + ((i + 0.5) * 2 * L) / stripes);
    scene.add(stripe);
  }
  // The floor is cut at the corners like the walls: dark triangles hide the grass outside them.
  const outside = new THREE.MeshBasicMaterial({ color: 0x0b1020, side: THREE.DoubleSide });
  for (const [sx, sz] of [
    [1, 1],
    [1, -1],
    [-1, 1],
    [-1, -1],
  ] as const) {
    const g = new THREE.BufferGeometry();
    g.setAttribute(
      "position",
      new THREE.Float32BufferAttribute([sx * W, 0.01, sz * C, sx * W, 0.01, sz * L, sx * C, 0.01, sz * L], 3),
    );
    scene.add(new THREE.Mesh(g, outside));
  }
  const paint = new THREE.LineBasicMaterial({ color: 0xe4f5ea, transparent: true, opacity: 0.85 });
  const y = 0.03;
  scene.add(
    line(
      [
        [-W, y, -C],
        [-W, y, C],
        [-C, y, L],
        [C, y, L],
        [W, y, C],
        [W, y, -C],
        [C, y, -L],
        [-C, y, -L],
        [-W, y, -C],
      ],
      paint,
    ),
  );
  scene.add(
    line(
      [
        [-W, y, 0],
        [W, y, 0],
      ],
      paint,
    ),
  );
  const circle = (r: number) =>
    new THREE.EllipseCurve(0, 0, r, r).getPoints(64).map((p) => [p.x, y, p.y] as [number, number, number]);
  scene.add(line(circle(10), paint));
  // A goal box in front of each goal: twice the goal's width, a fifth of a half's depth.
  for (const zs of [1, -1]) {
    const d = L - 0.2 * L;
    scene.add(
      line(
        [
          [-2 * GW, y, zs * L],
          [-2 * GW, y, zs * d],
          [2 * GW, y, zs * d],
          [2 * GW, y, zs * L],
        ],
        paint,
      ),
    );
  }
  for (const [x, yy, big] of K.BOOST_PADS) {
    const radius = (big ? K.BIG_PAD_RADIUS : K.SMALL_PAD_RADIUS) * S * 0.6;
    const pad = new THREE.Mesh(
      new THREE.CircleGeometry(radius, 20),
      new THREE.MeshBasicMaterial({ color: big ? 0xffc94d : 0xe8d9a0, transparent: true, opacity: 0.8 }),
    );
    pad.rotation.x = -Math.PI / 2;
    pad.position.set(x * S, 0.04, -yy * S);
    scene.add(pad);
  }
}

/** Side, corner and back walls up to the ceiling (see-through, edged), the goal mouths left open. */
function buildWalls(scene: THREE.Scene, detail: ArenaDetail): void {
  const glass = new THREE.MeshBasicMaterial({
    color: 0x8fb3ff,
    transparent: true,
    opacity: 0.05,
    side: THREE.DoubleSide,
    depthWrite: false,
  });
  const edge = new THREE.LineBasicMaterial({ color: 0x5d7bc4, transparent: true, opacity: 0.55 });
  const outline: [number, number][] = [
    [-W, -C],
    [-W, C],
    [-C, L],
    [C, L],
    [W, C],
    [W, -C],
    [C, -L],
    [-C, -L],
  ];
  for (let i = 0; i < outline.length; i++) {
    const [x1, z1] = outline[i]!;
    const [x2, z2] = outline[(i + 1) % outline.length]!;
    const backWall = Math.abs(z1) === L && Math.abs(z2) === L;
    // At low detail the walls are their edges alone.
    if (detail === "full" && backWall) {
      // Around the goal mouth: left of it, right of it, and above it.
      const zz = z1;
      const sx = Math.sign(x2 - x1);
      scene.add(panel(x1, zz, -sx * GW, zz, 0, H, glass));
      scene.add(panel(sx * GW, zz, x2, zz, 0, H, glass));
      scene.add(panel(-sx * GW, zz, sx * GW, zz, GH, H, glass));
    } else if (detail === "full") {
      scene.add(panel(x1, z1, x2, z2, 0, H, glass));
    }
    scene.add(
      line(
        [
          [x1, H, z1],
          [x2, H, z2],
        ],
        edge,
      ),
    );
    scene.add(
      line(
        [
          [x1, 0, z1],
          [x1, H, z1],
        ],
        edge,
      ),
    );
  }
}

/** Posts and crossbar in the team's colour, and a net (sides, top and back) the ball is seen in. */
function buildGoal(scene: THREE.Scene, color: number, zs: number): void {
  const frame = new THREE.MeshStandardMaterial({ color: 0xf2f4f8, emissive: color, emissiveIntensity: 0.35 });
  const r = 0.12;
  const mouth = zs * L;
  for (const x of [-GW, GW]) {
    const post = new THREE.Mesh(new THREE.CylinderGeometry(r, r, GH, 10), frame);
    post.position.set(x, GH / 2, mouth);
    scene.add(post);
  }
  const bar = new THREE.Mesh(new THREE.CylinderGeometry(r, r, 2 * GW, 10), frame);
  bar.rotation.z = Math.PI / 2;
  bar.position.set(0, GH, mouth);
  scene.add(bar);
  const back = zs * (L + GD);
  // The net: a grid on the back, the two sides and the roof of the goal box.
  const points: number[] = [];
  const seg = (a: number[], b: number[]) => points.push(...a, ...b);
  const step = 0.9;
  for (let x = -GW; x <= GW + 1e-6; x += step) {
    seg([x, 0, back], [x, GH, back]);
    seg([x, GH, mouth], [x, GH, back]);
  }
  for (let y = 0; y <= GH + 1e-6; y += step) {
    seg([-GW, y, back], [GW, y, back]);
    seg([-GW, y, mouth], [-GW, y, back]);
    seg([GW, y, mouth], [GW, y, back]);
  }
  for (let d = 0; d <= GD + 1e-6; d += step) {
    const z = zs * (L + d);
    seg([-GW, 0, z], [-GW, GH, z]);
    seg([GW, 0, z], [GW, GH, z]);
    seg([-GW, GH, z], [GW, GH, z]);
  }
  const net = new THREE.LineSegments(
    new THREE.BufferGeometry().setAttribute("position", new THREE.Float32BufferAttribute(points, 3)),
    new THREE.LineBasicMaterial({ color, transparent: true, opacity: 0.45 }),
  );
  scene.add(net);
  // The goal's floor, tinted, so a ball in the net reads as a goal.
  const floor = new THREE.Mesh(
    new THREE.PlaneGeometry(2 * GW, GD),
    new THREE.MeshBasicMaterial({ color, transparent: true, opacity: 0.18 }),
  );
  floor.rotation.x = -Math.PI / 2;
  floor.position.set(0, 0.02, zs * (L + GD / 2));
  scene.add(floor);
}

export function buildArena(scene: THREE.Scene, detail: ArenaDetail = "full"): void {
  // Built as separate parts, drawn merged: one draw call per material look (~13, not ~80).
  const parts = new THREE.Scene();
  buildFloor(parts, detail);
  buildWalls(parts, detail);
  // Blue defends −y (scene +z), orange defends +y (scene −z).
  buildGoal(parts, BLUE, 1);
  buildGoal(parts, ORANGE, -1);
  for (const object of mergeStatic(parts)) scene.add(object);
}

export const ARENA = { W, L, H };
