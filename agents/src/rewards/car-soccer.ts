// Reward terms for car soccer, each a small pure function of (state, previous state, car, arena)
// with a documented range, a JSON spec that composes them, and its compiler.
import {
  A_EPISODE,
  A_GOAL,
  A_STEPS,
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
import {
  boundedCentred,
  distanceShape,
  GatedAccumulator,
  krc,
  potentialShaping,
  teamSpirit,
} from "./combinators.js";

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

/**
 * The component of the vector at `v[vo…vo+2]` along the direction from `from[fo…]` to `to[to…]`
 * (x, y, z consecutive in each array): a speed towards a point, or a cosine for a unit vector.
 */
function alongDirection(
  from: ArrayLike<number>,
  fo: number,
  to: ArrayLike<number>,
  too: number,
  v: ArrayLike<number>,
  vo: number,
): number {
  const dx = to[too]! - from[fo]!;
  const dy = to[too + 1]! - from[fo + 1]!;
  const dz = to[too + 2]! - from[fo + 2]!;
  const d = Math.sqrt(dx * dx + dy * dy + dz * dz) || 1;
  return (v[vo]! * dx + v[vo + 1]! * dy + v[vo + 2]! * dz) / d;
}

/** The aim point of each team's shots: the centre of the goal mouth it attacks (blue attacks +y). */
const GOAL_TARGETS = {
  blue: Float64Array.of(0, K.BACK_WALL_Y, K.GOAL_HEIGHT / 2),
  orange: Float64Array.of(0, -K.BACK_WALL_Y, K.GOAL_HEIGHT / 2),
};

/** The car's vector field (velocity at C_VX, forward at C_FX) along the car→ball direction. */
function carTowardBall(ctx: Ctx, field: number): number {
  const o = car(ctx.state, ctx.arena, ctx.car);
  const cs = ctx.state.cars;
  return alongDirection(cs, o + C_X, ctx.state.ball, ball(ctx.arena) + B_X, cs, o + field);
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
    fn: (ctx) => carTowardBall(ctx, C_VX) / K.CAR_MAX_SPEED,
  },
  velocity_ball_to_goal: {
    range: "[-1, 1]: the ball's speed towards the opponents' goal / 6000",
    fn: ({ state, car: c, arena }) => {
      const b = ball(arena);
      const goal = isBlue(state, c) ? GOAL_TARGETS.blue : GOAL_TARGETS.orange;
      return alongDirection(state.ball, b + B_X, goal, 0, state.ball, b + B_VX) / K.BALL_MAX_SPEED;
    },
  },
  face_ball: {
    range: "[-1, 1]: cosine between the car's forward vector and the direction to the ball",
    fn: (ctx) => carTowardBall(ctx, C_FX),
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

/**
 * A reward as data: terms composed by weighted sums, KRC, potential-based shaping, PAR and gated
 * accumulation. `gated` pays its dense node only when `outcome` reaches `threshold` (G-RA): the
 * dense values accumulate per car over the episode and are paid out with the outcome.
 *
 * RND novelty is not a node: its bonus is not a function of the transition but of a predictor
 * trained on the run's observations in batches (tfjs, per rollout), which a compiled per-step
 * `RewardFn` can neither own nor reproduce from the spec. It stays an option beside the spec
 * (`league reward analyse --novelty`, `analyseCarSoccerReward({ novelty })`, `addNovelty` for a
 * rollout), and a `novelty` key in a spec is refused rather than ignored.
 */
export type RewardNode =
  | { term: string; params?: Record<string, number> }
  | { weightedSum: { node: RewardNode; weight: number }[] }
  | { krc: RewardNode[] }
  | { potential: RewardNode; gamma: number }
  | { par: RewardNode; reference: number }
  | { gated: RewardNode; outcome: RewardNode; threshold: number };

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
    z.object({ gated: Node, outcome: Node, threshold: z.number().finite() }).strict(),
  ]),
);
const Spec = z.object({ reward: Node, teamSpirit: z.number().min(0).max(1).optional() }).strict();
/** The key that names each kind of node, in Node's union order. */
const NODE_KINDS = ["term", "weightedSum", "krc", "potential", "par", "gated"] as const;

export class RewardSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RewardSpecError";
  }
}

const NOVELTY_REFUSED =
  "novelty is not a spec node (RND needs a predictor trained during the run); use the --novelty option";

const fieldPath = (path: readonly PropertyKey[]) =>
  path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");

/** Φ must be a function of the state alone; a gated node carries the episode's history. */
function refuseGatedPotential(node: RewardNode, path: string, inPotential: boolean): void {
  const at = (key: string) => `${path}.${key}`;
  if ("gated" in node) {
    if (inPotential)
      throw new RewardSpecError(
        `reward spec: ${path}: a gated node cannot be inside a potential (Φ must depend on the state alone)`,
      );
    refuseGatedPotential(node.gated, at("gated"), false);
    refuseGatedPotential(node.outcome, at("outcome"), false);
  } else if ("weightedSum" in node)
    for (const [i, c] of node.weightedSum.entries())
      refuseGatedPotential(c.node, `${path}.weightedSum[${i}].node`, inPotential);
  else if ("krc" in node)
    for (const [i, c] of node.krc.entries()) refuseGatedPotential(c, `${path}.krc[${i}]`, inPotential);
  else if ("potential" in node) refuseGatedPotential(node.potential, at("potential"), true);
  else if ("par" in node) refuseGatedPotential(node.par, at("par"), inPotential);
}

/** Parses a spec; a bad one is refused with the path of the bad field. */
export function parseRewardSpec(input: unknown): RewardSpec {
  const result = Spec.safeParse(input);
  if (result.success) {
    refuseGatedPotential(result.data.reward, "reward", false);
    return result.data;
  }
  // Union errors nest. A node's key says which kind it means (`gated`, …), so only that kind's
  // errors count; without one every kind's do, and the deepest issue names the wrong field.
  const issues = result.error.issues.flatMap(function flat(i): z.core.$ZodIssue[] {
    if (i.code !== "invalid_union") return [i];
    const node = i.path.reduce<unknown>(
      (v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k],
      input,
    );
    const kind = typeof node === "object" && node !== null ? NODE_KINDS.findIndex((k) => k in node) : -1;
    return ((kind >= 0 ? i.errors[kind] : i.errors.flat()) as z.core.$ZodIssue[])
      .map((e) => ({ ...e, path: [...i.path, ...e.path] }))
      .flatMap(flat);
  });
  // A `novelty` key is a known mistake (see RewardNode): say so instead of "unrecognized key".
  const novelty = issues.find((i) => i.code === "unrecognized_keys" && i.keys.includes("novelty"));
  if (novelty)
    throw new RewardSpecError(`reward spec: ${fieldPath([...novelty.path, "novelty"])}: ${NOVELTY_REFUSED}`);
  const deepest = issues.sort((a, b) => b.path.length - a.path.length)[0]!;
  throw new RewardSpecError(`reward spec: ${fieldPath(deepest.path) || "(root)"}: ${deepest.message}`);
}

/** Names a node for people: `goal`, `krc(velocity_player_to_ball, distance_player_to_ball)`, … */
export function describeNode(node: RewardNode): string {
  if ("term" in node) return node.term;
  if ("weightedSum" in node)
    return `sum(${node.weightedSum.map((c) => `${c.weight}·${describeNode(c.node)}`).join(", ")})`;
  if ("krc" in node) return `krc(${node.krc.map(describeNode).join(", ")})`;
  if ("potential" in node) return `shaping(${describeNode(node.potential)})`;
  if ("gated" in node)
    return `gated(${describeNode(node.gated)} when ${describeNode(node.outcome)} >= ${node.threshold})`;
  return `par(${describeNode(node.par)})`;
}

/**
 * The additive parts of a reward: nested weighted sums flattened (their weights multiplied), any
 * other node one part of weight 1. The reward is the sum of weight × part.
 */
function additiveParts(node: RewardNode, weight = 1): { node: RewardNode; weight: number }[] {
  if (!("weightedSum" in node)) return [{ node, weight }];
  return node.weightedSum.flatMap((c) => additiveParts(c.node, weight * c.weight));
}

export interface CompiledReward {
  fn: RewardFn;
  /**
   * The reward's additive parts (see `additiveParts`), named by `describeNode`, a repeated name
   * numbered `#2`, `#3`…: `goal`, `krc(velocity_player_to_ball, distance_player_to_ball)`, …
   */
  components: string[];
  /**
   * What each part contributed to the reward of the last call, weight and team spirit applied:
   * they sum to that reward (team spirit is linear, so mixing each part keeps the sum).
   */
  readonly lastComponents: Float64Array;
}

interface EvalCtx extends Ctx {
  /** Whether `state` / `prev` is terminal, where Φ = 0. */
  terminal: boolean;
  prevTerminal: boolean;
}

/** A state after a goal: terminal under GoalCondition, the only terminate condition in envs. */
const goalState = (state: CarSoccerState, arena: number) => state.arena[arena * ARENA_FIELDS + A_GOAL] !== 0;

const NO_PARAMS: Record<string, number> = {};

/** One gated node's G-RA accumulators, one per (arena, car). */
class GateState {
  private readonly accumulators: GatedAccumulator[] = [];
  private readonly lastStep: number[] = [];

  constructor(private readonly threshold: number) {}

  pay(ctx: EvalCtx, outcome: number, dense: number): number {
    const i = ctx.arena * ctx.state.numCars + ctx.car;
    const acc = this.accumulators[i] ?? new GatedAccumulator(this.threshold);
    this.accumulators[i] = acc;
    const o = ctx.arena * ARENA_FIELDS;
    const step = ctx.state.arena[o + A_EPISODE]! * 2 ** 32 + ctx.state.arena[o + A_STEPS]!;
    // Asked again for the same step (team spirit evaluates every car for each car): redo, do not add twice.
    if (step === this.lastStep[i]) return acc.restep(outcome, dense);
    this.lastStep[i] = step;
    // State setters zero the step count, so prev at 0 steps is a reset: nothing carries over.
    if (ctx.prev.arena[o + A_STEPS] === 0) acc.reset();
    return acc.step(outcome, dense);
  }
}

type Compiled = (ctx: EvalCtx) => number;

/**
 * A node as a closure, built once: children compiled, parameters bound, a KRC's terms written into
 * its own preallocated scratch, so evaluating a reward allocates nothing and walks no spec.
 */
function compileNode(node: RewardNode, gates: Map<RewardNode, GateState>): Compiled {
  if ("term" in node) {
    const params = node.params ?? NO_PARAMS;
    const term = CAR_SOCCER_TERMS[node.term]!.fn;
    return (ctx) => {
      ctx.params = params;
      return term(ctx);
    };
  }
  if ("weightedSum" in node) {
    const children = node.weightedSum.map((c) => compileNode(c.node, gates));
    const weights = node.weightedSum.map((c) => c.weight);
    return (ctx) => {
      let sum = 0;
      for (let i = 0; i < children.length; i++) sum += weights[i]! * children[i]!(ctx);
      return sum;
    };
  }
  if ("krc" in node) {
    const children = node.krc.map((c) => compileNode(c, gates));
    const values = new Float64Array(children.length);
    return (ctx) => {
      for (let i = 0; i < children.length; i++) values[i] = children[i]!(ctx);
      return krc(values);
    };
  }
  if ("potential" in node) {
    const phi = compileNode(node.potential, gates);
    const gamma = node.gamma;
    return (ctx) => {
      // Φ is read on a state alone (previous = current), so only state terms make sense here.
      // Φ(terminal) = 0 (Ng et al.) keeps the optimal policy of an episodic task unchanged.
      const { state, prev } = ctx;
      ctx.prev = state;
      const after = phi(ctx);
      ctx.state = prev;
      ctx.prev = prev;
      const before = ctx.prevTerminal ? 0 : phi(ctx);
      ctx.state = state;
      return potentialShaping(gamma, before, after, ctx.terminal);
    };
  }
  if ("gated" in node) {
    const dense = compileNode(node.gated, gates);
    const outcome = compileNode(node.outcome, gates);
    const gate = gates.get(node) ?? new GateState(node.threshold);
    gates.set(node, gate);
    return (ctx) => gate.pay(ctx, outcome(ctx), dense(ctx));
  }
  const inner = compileNode(node.par, gates);
  const reference = node.reference;
  return (ctx) => boundedCentred(inner(ctx), reference);
}

/**
 * Which (state, arena, step) team spirit's per-car rewards were last computed for. The engine asks
 * car 0, 1, … of an arena in turn for one transition: every car's reward is computed once, at the
 * first ask, and the others are read back (the naive way recomputes all n cars for each of the n
 * asks). A fresh sweep (an ask for a car not after the last one) or any change of the key
 * recomputes, so callers that mutate one state in place and ask again are still answered afresh.
 */
class TransitionKey {
  private state: CarSoccerState | null = null;
  private prev: CarSoccerState | null = null;
  private arena = -1;
  private terminal: boolean | undefined = undefined;
  private agent = -1;
  private readonly fingerprint = new Float64Array(5);

  /** Whether (state, prev, arena, terminal) asked for `agent` continues the sweep last recorded. */
  matches(
    state: CarSoccerState,
    prev: CarSoccerState,
    arena: number,
    terminal: boolean | undefined,
    agent: number,
  ) {
    if (state !== this.state || prev !== this.prev || arena !== this.arena || terminal !== this.terminal)
      return false;
    if (agent <= this.agent) return false;
    const f = this.fingerprint;
    const a = arena * ARENA_FIELDS;
    const b = ball(arena);
    return (
      f[0] === state.arena[a + A_STEPS] &&
      f[1] === state.arena[a + A_EPISODE] &&
      f[2] === state.ball[b + B_X] &&
      f[3] === state.ball[b + B_X + 1] &&
      f[4] === state.ball[b + B_VX]
    );
  }

  record(
    state: CarSoccerState,
    prev: CarSoccerState,
    arena: number,
    terminal: boolean | undefined,
    agent: number,
  ) {
    this.state = state;
    this.prev = prev;
    this.arena = arena;
    this.terminal = terminal;
    this.agent = agent;
    const a = arena * ARENA_FIELDS;
    const b = ball(arena);
    this.fingerprint[0] = state.arena[a + A_STEPS]!;
    this.fingerprint[1] = state.arena[a + A_EPISODE]!;
    this.fingerprint[2] = state.ball[b + B_X]!;
    this.fingerprint[3] = state.ball[b + B_X + 1]!;
    this.fingerprint[4] = state.ball[b + B_VX]!;
  }
}

/** Turns a spec into a reward function for CarSoccerEnv / CarSoccerVecEnv, with per-component reporting. */
export function compileReward(input: RewardSpec | unknown): CompiledReward {
  return compileParsedReward(parseRewardSpec(input));
}

/** compileReward for a spec parseRewardSpec already returned (a run config's), without parsing it again. */
export function compileParsedReward(spec: RewardSpec): CompiledReward {
  const parts = additiveParts(spec.reward);
  const seen = new Map<string, number>();
  const components = parts.map((p) => {
    const name = describeNode(p.node);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n > 1 ? `${name}#${n}` : name;
  });
  const gates = new Map<RewardNode, GateState>();
  const partFns = parts.map((p) => compileNode(p.node, gates));
  const partWeights = parts.map((p) => p.weight);
  const k = parts.length;
  const lastComponents = new Float64Array(k);
  /** The reward of `ctx.car`, its parts' contributions written to `out` from `at`. */
  const partsOf = (ctx: EvalCtx, out: Float64Array, at: number): number => {
    let total = 0;
    for (let j = 0; j < k; j++) {
      const v = partWeights[j]! * partFns[j]!(ctx);
      out[at + j] = v;
      total += v;
    }
    return total;
  };
  const tau = spec.teamSpirit;
  let teams = new Uint8Array(0);
  let perCar = new Float64Array(0);
  let totals = new Float64Array(0);
  let column = new Float64Array(0);
  let mixed = new Float64Array(0);
  let mixedColumn = new Float64Array(0);
  let lastAgent = 0;
  let mixPending = false;
  const sweep = new TransitionKey();
  // One context, filled in at each call and by the nodes as they go: no allocation per step.
  const ctx = {} as EvalCtx;
  const fn: RewardFn = (state, prev, agent, arena, terminal) => {
    ctx.state = state;
    ctx.prev = prev;
    ctx.car = agent;
    ctx.arena = arena;
    // Without the env's word a goal state is terminal at either end (sampled transitions start
    // at one); with it, never the previous state: the env resets after a terminal step.
    ctx.terminal = terminal ?? goalState(state, arena);
    ctx.prevTerminal = terminal === undefined && goalState(prev, arena);
    if (tau === undefined) return partsOf(ctx, lastComponents, 0);
    const n = state.numCars;
    if (teams.length !== n) {
      teams = Uint8Array.from({ length: n }, (_, c) => (isBlue(state, c) ? 0 : 1));
      perCar = new Float64Array(n * k);
      totals = new Float64Array(n);
      column = new Float64Array(n);
      mixed = new Float64Array(n);
      mixedColumn = new Float64Array(n);
    }
    // Team spirit needs every car's own reward: computed and mixed once per transition (O(n)),
    // the other cars' asks read the mix back.
    if (!sweep.matches(state, prev, arena, terminal, agent)) {
      for (let c = 0; c < n; c++) {
        ctx.car = c;
        totals[c] = partsOf(ctx, perCar, c * k);
      }
      teamSpirit(totals, teams, tau, mixed);
    }
    sweep.record(state, prev, arena, terminal, agent);
    lastAgent = agent;
    mixPending = true;
    return mixed[agent]!;
  };
  // The parts are mixed only when read: training asks for rewards, not for their parts.
  const mixParts = () => {
    if (!mixPending || tau === undefined) return;
    mixPending = false;
    for (let j = 0; j < k; j++) {
      for (let c = 0; c < teams.length; c++) column[c] = perCar[c * k + j]!;
      // Into its own buffer: `mixed` holds the rewards of the transition still being read.
      lastComponents[j] = teamSpirit(column, teams, tau, mixedColumn)[lastAgent]!;
    }
  };
  return {
    fn,
    components,
    get lastComponents() {
      mixParts();
      return lastComponents;
    },
  };
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
