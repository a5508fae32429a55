// Reward terms for car soccer, each a small pure function of (state, previous state, car, arena)
// with a documented range, a JSON spec that composes them, and its compiler.
import {
  A_GOAL,
  ARENA_FIELDS,
  B_VX,
  B_X,
  BALL_FIELDS,
  C_BALL_TOUCHES,
  C_BOOST,
  C_FX,
  C_IS_DEMOED,
  C_VX,
  C_X,
  CAR_FIELDS,
  type CarSoccerState,
  carSoccerConstants as K,
  type RewardFn,
} from "@league/envs";
import { z } from "zod";
import { boundedCentred, distanceShape, krc, potentialShaping } from "./combinators.js";

interface Ctx {
  state: CarSoccerState;
  prev: CarSoccerState;
  car: number;
  arena: number;
  params: Record<string, number>;
}

const car = (s: CarSoccerState, arena: number, c: number) => (arena * s.numCars + c) * CAR_FIELDS;
const ball = (arena: number) => arena * BALL_FIELDS;
const isBlue = (s: CarSoccerState, c: number) => c < s.teamSize;
/** y of the goal a car attacks: blue attacks +y. */
const attackY = (s: CarSoccerState, c: number) => (isBlue(s, c) ? K.BACK_WALL_Y : -K.BACK_WALL_Y);

function toward(
  fromX: number,
  fromY: number,
  fromZ: number,
  toX: number,
  toY: number,
  toZ: number,
  vx: number,
  vy: number,
  vz: number,
): number {
  const dx = toX - fromX;
  const dy = toY - fromY;
  const dz = toZ - fromZ;
  const d = Math.sqrt(dx * dx + dy * dy + dz * dz) || 1;
  return (vx * dx + vy * dy + vz * dz) / d;
}

/** Did the ball, moving with this velocity from this position, head into the mouth at y = goalY? */
function headingIntoGoal(x: number, y: number, vx: number, vy: number, goalY: number): boolean {
  if (vy === 0 || Math.sign(goalY - y) !== Math.sign(vy)) return false;
  const t = (goalY - y) / vy;
  return Math.abs(x + vx * t) < K.GOAL_HALF_WIDTH;
}

type Term = (ctx: Ctx) => number;

/** Every term, with its range. */
export const CAR_SOCCER_TERMS: Record<string, { range: string; fn: Term }> = {
  goal: {
    range: "{0, 1}: 1 on the step the car's team scores",
    fn: ({ state, prev, car: c, arena }) => {
      const g = state.arena[arena * ARENA_FIELDS + A_GOAL]!;
      return g !== 0 && prev.arena[arena * ARENA_FIELDS + A_GOAL] !== g && g === (isBlue(state, c) ? 1 : -1)
        ? 1
        : 0;
    },
  },
  concede: {
    range: "{0, 1}: 1 on the step the other team scores (use a negative weight)",
    fn: ({ state, prev, car: c, arena }) => {
      const g = state.arena[arena * ARENA_FIELDS + A_GOAL]!;
      return g !== 0 && prev.arena[arena * ARENA_FIELDS + A_GOAL] !== g && g === (isBlue(state, c) ? -1 : 1)
        ? 1
        : 0;
    },
  },
  touch: {
    range: "{0, 1}: 1 when the car touched the ball this step",
    fn: ({ state, prev, car: c, arena }) =>
      state.cars[car(state, arena, c) + C_BALL_TOUCHES]! > prev.cars[car(prev, arena, c) + C_BALL_TOUCHES]!
        ? 1
        : 0,
  },
  shot: {
    range:
      "{0, 1}: a touch after which the ball heads into the opponents' goal mouth (straight-line projection)",
    fn: (ctx) => {
      if (CAR_SOCCER_TERMS.touch!.fn(ctx) === 0) return 0;
      const b = ball(ctx.arena);
      const bs = ctx.state.ball;
      return headingIntoGoal(
        bs[b + B_X]!,
        bs[b + B_X + 1]!,
        bs[b + B_VX]!,
        bs[b + B_VX + 1]!,
        attackY(ctx.state, ctx.car),
      )
        ? 1
        : 0;
    },
  },
  save: {
    range: "{0, 1}: a touch that turns away a ball that was heading into the car's own goal",
    fn: (ctx) => {
      if (CAR_SOCCER_TERMS.touch!.fn(ctx) === 0) return 0;
      const b = ball(ctx.arena);
      const own = -attackY(ctx.state, ctx.car);
      const before = ctx.prev.ball;
      const after = ctx.state.ball;
      const wasHeading = headingIntoGoal(
        before[b + B_X]!,
        before[b + B_X + 1]!,
        before[b + B_VX]!,
        before[b + B_VX + 1]!,
        own,
      );
      const stillHeading = headingIntoGoal(
        after[b + B_X]!,
        after[b + B_X + 1]!,
        after[b + B_VX]!,
        after[b + B_VX + 1]!,
        own,
      );
      return wasHeading && !stillHeading ? 1 : 0;
    },
  },
  demolition: {
    range: "{0, 1}: an opponent within 400 uu of the car at the previous step was demolished this step",
    fn: ({ state, prev, car: c, arena }) => {
      const me = car(prev, arena, c);
      for (let o = 0; o < state.numCars; o++) {
        if (isBlue(state, o) === isBlue(state, c)) continue;
        const them = car(state, arena, o);
        if (state.cars[them + C_IS_DEMOED]! > 0 && prev.cars[them + C_IS_DEMOED]! === 0) {
          const dx = prev.cars[them + C_X]! - prev.cars[me + C_X]!;
          const dy = prev.cars[them + C_X + 1]! - prev.cars[me + C_X + 1]!;
          if (dx * dx + dy * dy < 400 * 400) return 1;
        }
      }
      return 0;
    },
  },
  demoed: {
    range: "{0, 1}: the car was demolished this step (use a negative weight)",
    fn: ({ state, prev, car: c, arena }) =>
      state.cars[car(state, arena, c) + C_IS_DEMOED]! > 0 &&
      prev.cars[car(prev, arena, c) + C_IS_DEMOED]! === 0
        ? 1
        : 0,
  },
  boost_pickup: {
    range: "[0, 1]: boost gained this step / 100",
    fn: ({ state, prev, car: c, arena }) =>
      Math.max(0, state.cars[car(state, arena, c) + C_BOOST]! - prev.cars[car(prev, arena, c) + C_BOOST]!) /
      100,
  },
  velocity_player_to_ball: {
    range: "[-1, 1]: the car's speed towards the ball / 2300",
    fn: ({ state, car: c, arena }) => {
      const o = car(state, arena, c);
      const b = ball(arena);
      const cs = state.cars;
      const bs = state.ball;
      return (
        toward(
          cs[o + C_X]!,
          cs[o + C_X + 1]!,
          cs[o + C_X + 2]!,
          bs[b + B_X]!,
          bs[b + B_X + 1]!,
          bs[b + B_X + 2]!,
          cs[o + C_VX]!,
          cs[o + C_VX + 1]!,
          cs[o + C_VX + 2]!,
        ) / K.CAR_MAX_SPEED
      );
    },
  },
  velocity_ball_to_goal: {
    range: "[-1, 1]: the ball's speed towards the opponents' goal / 6000",
    fn: ({ state, car: c, arena }) => {
      const b = ball(arena);
      const bs = state.ball;
      return (
        toward(
          bs[b + B_X]!,
          bs[b + B_X + 1]!,
          bs[b + B_X + 2]!,
          0,
          attackY(state, c),
          K.GOAL_HEIGHT / 2,
          bs[b + B_VX]!,
          bs[b + B_VX + 1]!,
          bs[b + B_VX + 2]!,
        ) / K.BALL_MAX_SPEED
      );
    },
  },
  face_ball: {
    range: "[-1, 1]: cosine between the car's forward vector and the direction to the ball",
    fn: ({ state, car: c, arena }) => {
      const o = car(state, arena, c);
      const b = ball(arena);
      const cs = state.cars;
      const bs = state.ball;
      return toward(
        cs[o + C_X]!,
        cs[o + C_X + 1]!,
        cs[o + C_X + 2]!,
        bs[b + B_X]!,
        bs[b + B_X + 1]!,
        bs[b + B_X + 2]!,
        cs[o + C_FX]!,
        cs[o + C_FX + 1]!,
        cs[o + C_FX + 2]!,
      );
    },
  },
  align_ball_goal: {
    range:
      "[-1, 1]: cosine between car→ball and car→opponents' goal (1: the ball is between the car and that goal)",
    fn: ({ state, car: c, arena }) => {
      const o = car(state, arena, c);
      const b = ball(arena);
      const cs = state.cars;
      const bs = state.ball;
      const bx = bs[b + B_X]! - cs[o + C_X]!;
      const by = bs[b + B_X + 1]! - cs[o + C_X + 1]!;
      const gx = -cs[o + C_X]!;
      const gy = attackY(state, c) - cs[o + C_X + 1]!;
      return (bx * gx + by * gy) / ((Math.hypot(bx, by) || 1) * (Math.hypot(gx, gy) || 1));
    },
  },
  distance_player_to_ball: {
    range:
      "(0, 1]: Lucy-SKG's distance shape of the car–ball distance (c = 2300; params dispersion, density)",
    fn: ({ state, car: c, arena, params }) => {
      const o = car(state, arena, c);
      const b = ball(arena);
      const d = Math.hypot(
        state.ball[b + B_X]! - state.cars[o + C_X]!,
        state.ball[b + B_X + 1]! - state.cars[o + C_X + 1]!,
        state.ball[b + B_X + 2]! - state.cars[o + C_X + 2]!,
      );
      return distanceShape(
        Math.max(0, d - K.BALL_RADIUS),
        K.CAR_MAX_SPEED,
        params.dispersion ?? 1,
        params.density ?? 1,
      );
    },
  },
  distance_ball_to_goal: {
    range:
      "(0, 1]: distance shape of the ball–opponents' goal distance (c = 6000; params dispersion, density)",
    fn: ({ state, car: c, arena, params }) => {
      const b = ball(arena);
      const d = Math.hypot(state.ball[b + B_X]!, state.ball[b + B_X + 1]! - attackY(state, c));
      return distanceShape(d, K.BALL_MAX_SPEED, params.dispersion ?? 1, params.density ?? 1);
    },
  },
  boost_amount: {
    range: "[0, 1]: sqrt(boost / 100), so the first units of boost are worth the most",
    fn: ({ state, car: c, arena }) => Math.sqrt(state.cars[car(state, arena, c) + C_BOOST]! / 100),
  },
  kickoff_speed: {
    range: "[-1, 1]: the car's speed towards the ball / 2300 while the ball sits still at the centre, else 0",
    fn: (ctx) => {
      const b = ball(ctx.arena);
      const bs = ctx.state.ball;
      const still =
        Math.abs(bs[b + B_X]!) < 1 &&
        Math.abs(bs[b + B_X + 1]!) < 1 &&
        Math.hypot(bs[b + B_VX]!, bs[b + B_VX + 1]!, bs[b + B_VX + 2]!) < 1;
      return still ? CAR_SOCCER_TERMS.velocity_player_to_ball!.fn(ctx) : 0;
    },
  },
};

/** A reward as data: terms composed by weighted sums, KRC, potential-based shaping and PAR. */
export type RewardNode =
  | { term: string; params?: Record<string, number> }
  | { weightedSum: { node: RewardNode; weight: number }[] }
  | { krc: RewardNode[] }
  | { potential: RewardNode; gamma: number }
  | { par: RewardNode; reference: number };

export interface RewardSpec {
  reward: RewardNode;
  /** Team spirit tau in [0, 1] (0 = selfish); the opponents' mean is always subtracted when set. */
  teamSpirit?: number;
}

const Node: z.ZodType<RewardNode> = z.lazy(() =>
  z.union([
    z
      .object({
        term: z.string().refine((t) => t in CAR_SOCCER_TERMS, {
          message: `unknown term; known: ${Object.keys(CAR_SOCCER_TERMS).join(", ")}`,
        }),
        params: z.record(z.string(), z.number().positive()).optional(),
      })
      .strict(),
    z
      .object({ weightedSum: z.array(z.object({ node: Node, weight: z.number().finite() }).strict()).min(1) })
      .strict(),
    z.object({ krc: z.array(Node).min(2) }).strict(),
    z.object({ potential: Node, gamma: z.number().min(0).max(1) }).strict(),
    z.object({ par: Node, reference: z.number().finite() }).strict(),
  ]),
);
const Spec = z.object({ reward: Node, teamSpirit: z.number().min(0).max(1).optional() }).strict();

export class RewardSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RewardSpecError";
  }
}

/** Parses a spec; a bad one is refused with the path of the bad field. */
export function parseRewardSpec(input: unknown): RewardSpec {
  const result = Spec.safeParse(input);
  if (result.success) return result.data;
  // Union errors nest; the deepest issue names the field that is wrong.
  const issues = result.error.issues.flatMap(function flat(i): z.core.$ZodIssue[] {
    return i.code === "invalid_union"
      ? (i.errors.flat() as z.core.$ZodIssue[])
          .map((e) => ({ ...e, path: [...i.path, ...e.path] }))
          .flatMap(flat)
      : [i];
  });
  const deepest = issues.sort((a, b) => b.path.length - a.path.length)[0]!;
  const where = deepest.path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
  throw new RewardSpecError(`reward spec: ${where || "(root)"}: ${deepest.message}`);
}

export interface CompiledReward {
  fn: RewardFn;
  /** Names of the leaf terms, in evaluation order (`velocity_player_to_ball`, `krc[1].touch`, …). */
  components: string[];
  /** Each leaf's value at the last call, for logging and analysis. */
  lastComponents: Float64Array;
}

/** Turns a spec into a reward function for CarSoccerEnv / CarSoccerVecEnv, with per-component reporting. */
export function compileReward(input: RewardSpec | unknown): CompiledReward {
  const spec = parseRewardSpec(input);
  const components: string[] = [];
  const leafIndex = new Map<RewardNode, number>();
  const visit = (node: RewardNode, path: string) => {
    if ("term" in node) {
      leafIndex.set(node, components.length);
      components.push(path ? `${path}.${node.term}` : node.term);
    } else if ("weightedSum" in node) {
      for (const [i, c] of node.weightedSum.entries()) visit(c.node, `${path}weightedSum[${i}]`);
    } else if ("krc" in node) {
      for (const [i, c] of node.krc.entries()) visit(c, `${path}krc[${i}]`);
    } else if ("potential" in node) visit(node.potential, `${path}potential`);
    else visit(node.par, `${path}par`);
  };
  visit(spec.reward, "");
  const lastComponents = new Float64Array(components.length);
  const scratch: number[] = [];
  let record = true;
  const evaluate = (node: RewardNode, ctx: Ctx): number => {
    if ("term" in node) {
      const value = CAR_SOCCER_TERMS[node.term]!.fn({ ...ctx, params: node.params ?? {} });
      if (record) lastComponents[leafIndex.get(node)!] = value;
      return value;
    }
    if ("weightedSum" in node) {
      let sum = 0;
      for (const c of node.weightedSum) sum += c.weight * evaluate(c.node, ctx);
      return sum;
    }
    if ("krc" in node) {
      const values = node.krc.map((c) => evaluate(c, ctx));
      return krc(values);
    }
    if ("potential" in node) {
      // Φ is read on a state alone (previous = current), so only state terms make sense here.
      const after = evaluate(node.potential, { ...ctx, prev: ctx.state });
      const wasRecording = record;
      record = false;
      const before = evaluate(node.potential, { ...ctx, state: ctx.prev, prev: ctx.prev });
      record = wasRecording;
      return potentialShaping(node.gamma, before, after);
    }
    return boundedCentred(evaluate(node.par, ctx), node.reference);
  };
  const tau = spec.teamSpirit;
  const fn: RewardFn = (state, prev, agent, arena) => {
    if (tau === undefined) return evaluate(spec.reward, { state, prev, car: agent, arena, params: {} });
    // Team spirit needs every car's own reward; record the components of the asking car only.
    scratch.length = 0;
    let own = 0;
    for (let c = 0; c < state.numCars; c++) {
      record = c === agent;
      const r = evaluate(spec.reward, { state, prev, car: c, arena, params: {} });
      scratch.push(r);
      if (c === agent) own = r;
    }
    record = true;
    let team = 0;
    let teamN = 0;
    let opp = 0;
    let oppN = 0;
    for (let c = 0; c < scratch.length; c++) {
      if (isBlue(state, c) === isBlue(state, agent)) {
        team += scratch[c]!;
        teamN++;
      } else {
        opp += scratch[c]!;
        oppN++;
      }
    }
    return (1 - tau) * own + (tau * team) / teamN - (oppN ? opp / oppN : 0);
  };
  return { fn, components, lastComponents };
}

/** A Lucy-SKG-style default: goals, a KRC of approach speed and closeness, ball-to-goal speed, touches, boost. */
export const DEFAULT_CAR_SOCCER_REWARD: RewardSpec = {
  teamSpirit: 0.3,
  reward: {
    weightedSum: [
      { node: { term: "goal" }, weight: 10 },
      { node: { term: "concede" }, weight: -10 },
      {
        node: {
          krc: [
            { term: "velocity_player_to_ball" },
            { term: "distance_player_to_ball", params: { dispersion: 1, density: 1 } },
          ],
        },
        weight: 0.5,
      },
      { node: { term: "velocity_ball_to_goal" }, weight: 0.5 },
      { node: { term: "touch" }, weight: 0.5 },
      { node: { term: "boost_amount" }, weight: 0.05 },
    ],
  },
};
