// Proximal Policy Optimisation (Schulman et al. 2017), clipped objective, read top to bottom as
// CleanRL's ppo.py: config → rollout → advantages (GAE) → minibatch epochs → log.
import { Rng, type VectorEnv } from "@league/envs";
import type * as Tf from "@tensorflow/tfjs";
import type { TfRuntime } from "./backend.js";
import { computeGae } from "./gae.js";
import { buildMlp, predictRows } from "./network.js";
import { RunningMeanStd } from "./running-stats.js";

export interface PpoConfig {
  /** Seeds network initialisation, action sampling, minibatch shuffling and the environments. */
  seed: number;
  /** Agent-steps to train for (all slots together). */
  totalSteps: number;
  /** Steps per slot per rollout (CleanRL's num_steps). */
  numSteps: number;
  /** Discount. */
  gamma: number;
  /** GAE's lambda (rlgym-ppo: 0.95). */
  gaeLambda: number;
  /** PPO's ratio clip (rlgym-ppo: 0.2). */
  clipCoef: number;
  /** Entropy bonus weight. */
  entCoef: number;
  /** Value loss weight. */
  vfCoef: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Adam's step size. */
  learningRate: number;
  /** Anneal the step size linearly to 0 over this invocation's iterations (CleanRL's anneal_lr). */
  annealLr: boolean;
  /** Passes over each rollout. */
  updateEpochs: number;
  /** Minibatches per pass. */
  numMinibatches: number;
  /** Hidden layer sizes of the actor and the critic. */
  hidden: number[];
  /** Standardise observations with running statistics (stored in the checkpoint). */
  normalizeObservations: boolean;
  /** Scale rewards by the running standard deviation of the discounted return. */
  normalizeReturns: boolean;
  /**
   * Weight of the auxiliary losses (0 = off). As in Lucy-SKG, two heads on the actor's last hidden
   * layer predict the step's reward sign (negative, zero, positive) and reconstruct the
   * observation; they shape the actor's features and are not part of the saved policy.
   */
  auxCoef: number;
  /**
   * Bootstrap truncated episodes (partial-episode bootstrapping, Pardo et al. 2018): a time limit
   * is not an ending, so a truncated step's reward gains gamma × V(the observation it was cut off
   * in), where the env gives `finalObservations`. Off: truncation ends the return, as CleanRL's.
   */
  bootstrapTruncated: boolean;
}

export const DEFAULT_PPO_CONFIG: PpoConfig = {
  seed: 1,
  totalSteps: 100_000,
  numSteps: 128,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipCoef: 0.2,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  learningRate: 3e-4,
  annealLr: false,
  updateEpochs: 4,
  numMinibatches: 4,
  hidden: [64, 64],
  normalizeObservations: true,
  normalizeReturns: true,
  auxCoef: 0,
  bootstrapTruncated: true,
};

/** CleanRL's metric names, so runs compare at a glance. */
export interface PpoMetrics {
  iteration: number;
  global_step: number;
  "charts/episodic_return": number | null;
  "charts/episodic_length": number | null;
  "charts/episodes": number;
  "charts/SPS": number;
  /** Adam's step size this iteration. */
  "charts/learning_rate"?: number;
  "losses/policy_loss": number;
  "losses/value_loss": number;
  "losses/entropy": number;
  "losses/approx_kl": number;
  "losses/clipfrac": number;
  "losses/explained_variance": number;
  /** Cross-entropy of the reward-sign head and mean squared error of the reconstruction head (auxCoef > 0). */
  "losses/aux_reward_sign"?: number;
  "losses/aux_reconstruction"?: number;
}

export interface PpoState {
  actor: Tf.LayersModel;
  critic: Tf.LayersModel;
  observationStats: RunningMeanStd | null;
  globalStep: number;
}

function discreteActions(env: VectorEnv, given?: number): number {
  const n = given ?? (env as { actionCount?: number }).actionCount;
  if (env.actionSize !== 1 || !n) {
    throw new Error(
      `PPO here drives discrete actions: env ${env.spec.id} must have actionSize 1 and an actionCount`,
    );
  }
  return n;
}

/** Samples a categorical action from logits with a seeded stream; returns the index and its log-probability. */
export function sampleCategorical(
  logits: Float32Array,
  offset: number,
  n: number,
  rng: Rng,
): [number, number] {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k]!);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(logits[offset + k]! - max);
  let u = rng.float() * sum;
  let action = n - 1;
  for (let k = 0; k < n; k++) {
    u -= Math.exp(logits[offset + k]! - max);
    if (u < 0) {
      action = k;
      break;
    }
  }
  return [action, logits[offset + action]! - max - Math.log(sum)];
}

export async function trainPpo(
  runtime: TfRuntime,
  env: VectorEnv,
  partial: Partial<PpoConfig> = {},
  hooks: {
    /** After every iteration; returning (or resolving to) "stop" ends training there (a time budget, say). */
    onIteration?: (metrics: PpoMetrics, state: PpoState) => unknown;
    initial?: PpoState;
    /** Number of discrete actions, when the environment does not say (`actionCount`). */
    actionCount?: number;
    /**
     * Share in [0, 1] of another budget (a time limit) spent so far: the step size anneals over
     * whichever budget runs out first, so a run stopped by the clock still ends near zero.
     */
    budgetSpent?: () => number;
  } = {},
): Promise<PpoState> {
  const config = { ...DEFAULT_PPO_CONFIG, ...partial };
  const { tf } = runtime;
  const numActions = discreteActions(env, hooks.actionCount);
  const numSlots = env.numEnvs * env.numAgents;
  const obsSize = env.observationSize;
  const batchSize = config.numSteps * numSlots;
  const minibatchSize = Math.floor(batchSize / config.numMinibatches);
  if (minibatchSize < 1)
    throw new Error(`numMinibatches ${config.numMinibatches} exceeds the batch of ${batchSize}`);
  const numIterations = Math.max(1, Math.floor(config.totalSteps / batchSize));
  const rng = new Rng(config.seed, 0x9e37);

  // Networks: separate actor and critic, as CleanRL's discrete PPO.
  const actor =
    hooks.initial?.actor ??
    buildMlp(tf, {
      inputSize: obsSize,
      hidden: config.hidden,
      outputSize: numActions,
      seed: config.seed,
      name: "actor",
    });
  const critic =
    hooks.initial?.critic ??
    buildMlp(tf, {
      inputSize: obsSize,
      hidden: config.hidden,
      outputSize: 1,
      seed: config.seed + 7,
      name: "critic",
      outputScale: 20,
    });
  // Auxiliary heads read the actor's last hidden layer, so their gradients shape its features.
  const aux =
    config.auxCoef > 0 && config.hidden.length > 0
      ? (() => {
          const trunk = actor.layers[actor.layers.length - 2]!.output as Tf.SymbolicTensor;
          const sign = tf.layers
            .dense({
              units: 3,
              name: "aux_reward_sign",
              kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed + 11 }),
            })
            .apply(trunk) as Tf.SymbolicTensor;
          const recon = tf.layers
            .dense({
              units: obsSize,
              name: "aux_reconstruction",
              kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed + 13 }),
            })
            .apply(trunk) as Tf.SymbolicTensor;
          return tf.model({ inputs: actor.inputs, outputs: [sign, recon] });
        })()
      : null;
  if (config.auxCoef > 0 && !aux)
    throw new Error("auxCoef > 0 needs at least one hidden layer for the auxiliary heads");
  const observationStats = config.normalizeObservations
    ? (hooks.initial?.observationStats ?? new RunningMeanStd(obsSize))
    : null;
  const returnStats = new RunningMeanStd(1);
  const optimizer = tf.train.adam(config.learningRate, 0.9, 0.999, 1e-5);
  const variables = [
    ...new Set([...actor.trainableWeights, ...critic.trainableWeights, ...(aux?.trainableWeights ?? [])]),
  ].map((w) => w.read() as Tf.Variable);

  // Rollout storage, allocated once.
  const obs = new Float32Array(batchSize * obsSize);
  const actions = new Int32Array(batchSize);
  const logprobs = new Float32Array(batchSize);
  const rewards = new Float32Array(batchSize);
  const episodeEnds = new Uint8Array(batchSize);
  const values = new Float32Array(batchSize);
  const actionBuffer = new Float32Array(numSlots);
  const nextObs = new Float32Array(numSlots * obsSize);
  const discountedReturn = new Float64Array(numSlots);
  const episodeReturn = new Float64Array(numSlots);
  const episodeLength = new Int32Array(numSlots);
  const truncatedRows = new Float32Array(numSlots * obsSize);
  const truncatedSlots = new Int32Array(numSlots);
  const truncatedValues = new Float32Array(numSlots);

  const forward = (model: Tf.LayersModel, input: Float32Array, rows: number): Float32Array =>
    predictRows(tf, model, input, rows);
  const observe = (out: Float32Array) => {
    if (observationStats) observationStats.normalize(env.observations, numSlots, out);
    else out.set(env.observations);
  };

  // The critic's value of each truncated slot's final observation; returns how many slots truncated.
  const valueTruncated = (): number => {
    const final = env.finalObservations;
    if (!final) return 0;
    let k = 0;
    for (let s = 0; s < numSlots; s++) {
      if (!env.truncated[Math.floor(s / env.numAgents)]) continue;
      truncatedRows.set(final.subarray(s * obsSize, (s + 1) * obsSize), k * obsSize);
      truncatedSlots[k++] = s;
    }
    if (k === 0) return 0;
    const rows = truncatedRows.subarray(0, k * obsSize);
    if (observationStats) observationStats.normalize(rows, k, rows);
    truncatedValues.set(forward(critic, rows, k));
    return k;
  };

  env.reset(config.seed);
  let globalStep = hooks.initial?.globalStep ?? 0;
  let state: PpoState = { actor, critic, observationStats, globalStep };
  for (let iteration = 1; iteration <= numIterations; iteration++) {
    const started = performance.now();
    const finishedReturns: number[] = [];
    const finishedLengths: number[] = [];
    // Adam reads its step size on every update, so annealing just rewrites it.
    if (config.annealLr) {
      const spent = Math.max((iteration - 1) / numIterations, hooks.budgetSpent?.() ?? 0);
      (optimizer as unknown as { learningRate: number }).learningRate =
        config.learningRate * Math.max(1 - spent, 0);
    }

    // 1. Rollout.
    for (let step = 0; step < config.numSteps; step++) {
      if (observationStats) observationStats.update(env.observations, numSlots);
      observe(nextObs);
      const base = step * numSlots;
      obs.set(nextObs, base * obsSize);
      const logits = forward(actor, nextObs, numSlots);
      const value = forward(critic, nextObs, numSlots);
      for (let s = 0; s < numSlots; s++) {
        const [a, lp] = sampleCategorical(logits, s * numActions, numActions, rng);
        actions[base + s] = a;
        logprobs[base + s] = lp;
        values[base + s] = value[s]!;
        actionBuffer[s] = a;
      }
      env.step(actionBuffer);
      globalStep += numSlots;
      const truncations = config.bootstrapTruncated ? valueTruncated() : 0;
      for (let s = 0; s < numSlots; s++) {
        const e = Math.floor(s / env.numAgents);
        const ended = env.terminated[e]! | env.truncated[e]!;
        const r = env.rewards[s]!;
        episodeEnds[base + s] = ended;
        episodeReturn[s] = episodeReturn[s]! + r;
        episodeLength[s] = episodeLength[s]! + 1;
        discountedReturn[s] = discountedReturn[s]! * config.gamma + r;
        rewards[base + s] = r;
        if (ended) {
          finishedReturns.push(episodeReturn[s]!);
          finishedLengths.push(episodeLength[s]!);
          episodeReturn[s] = 0;
          episodeLength[s] = 0;
        }
      }
      if (config.normalizeReturns) {
        returnStats.update(discountedReturn, numSlots);
        const scale = 1 / Math.sqrt(returnStats.var[0]! + 1e-8);
        for (let s = 0; s < numSlots; s++) rewards[base + s] = rewards[base + s]! * scale;
      }
      // In the scaled units the critic learns; the episode still ends here for GAE.
      for (let i = 0; i < truncations; i++)
        rewards[base + truncatedSlots[i]!] =
          rewards[base + truncatedSlots[i]!]! + config.gamma * truncatedValues[i]!;
      for (let s = 0; s < numSlots; s++) if (episodeEnds[base + s]) discountedReturn[s] = 0;
    }

    // 2. Advantages.
    observe(nextObs);
    const lastValues = forward(critic, nextObs, numSlots);
    const { advantages, returns } = computeGae(
      rewards,
      values,
      episodeEnds,
      lastValues,
      config.numSteps,
      numSlots,
      config.gamma,
      config.gaeLambda,
    );

    // 3. Minibatch epochs.
    const order = Int32Array.from({ length: batchSize }, (_, i) => i);
    const mbObs = new Float32Array(minibatchSize * obsSize);
    const mbActions = new Int32Array(minibatchSize);
    const mbLogprobs = new Float32Array(minibatchSize);
    const mbAdvantages = new Float32Array(minibatchSize);
    const mbReturns = new Float32Array(minibatchSize);
    const mbRewardSign = new Int32Array(minibatchSize);
    let auxSign = 0;
    let auxRecon = 0;
    let policyLoss = 0;
    let valueLoss = 0;
    let entropy = 0;
    let approxKl = 0;
    let clipfrac = 0;
    let updates = 0;
    for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
      for (let i = batchSize - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (let start = 0; start + minibatchSize <= batchSize; start += minibatchSize) {
        let advMean = 0;
        for (let k = 0; k < minibatchSize; k++) {
          const idx = order[start + k]!;
          mbObs.set(obs.subarray(idx * obsSize, (idx + 1) * obsSize), k * obsSize);
          mbActions[k] = actions[idx]!;
          mbLogprobs[k] = logprobs[idx]!;
          mbAdvantages[k] = advantages[idx]!;
          mbReturns[k] = returns[idx]!;
          // Sign class of the step's reward: 0 negative, 1 zero, 2 positive (scaling keeps the sign).
          mbRewardSign[k] = rewards[idx]! > 1e-8 ? 2 : rewards[idx]! < -1e-8 ? 0 : 1;
          advMean += advantages[idx]!;
        }
        advMean /= minibatchSize;
        let advVar = 0;
        for (let k = 0; k < minibatchSize; k++) advVar += (mbAdvantages[k]! - advMean) ** 2;
        const advStd = Math.sqrt(advVar / Math.max(1, minibatchSize - 1)) + 1e-8;
        for (let k = 0; k < minibatchSize; k++) mbAdvantages[k] = (mbAdvantages[k]! - advMean) / advStd;

        const stats = tf.tidy(() => {
          const x = tf.tensor2d(mbObs, [minibatchSize, obsSize]);
          const a = tf.oneHot(tf.tensor1d(mbActions, "int32"), numActions);
          const oldLogp = tf.tensor1d(mbLogprobs);
          const adv = tf.tensor1d(mbAdvantages);
          const ret = tf.tensor1d(mbReturns);
          let parts: Tf.Scalar[] = [];
          const { grads } = tf.variableGrads(() => {
            const logits = actor.apply(x) as Tf.Tensor2D;
            const logpAll = tf.logSoftmax(logits);
            const newLogp = tf.sum(tf.mul(logpAll, a), 1);
            const logRatio = tf.sub(newLogp, oldLogp);
            const ratio = tf.exp(logRatio);
            const pgLoss = tf.mean(
              tf.maximum(
                tf.mul(tf.neg(adv), ratio),
                tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - config.clipCoef, 1 + config.clipCoef)),
              ),
            ) as Tf.Scalar;
            const ent = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logpAll), logpAll), 1))) as Tf.Scalar;
            const v = tf.reshape(critic.apply(x) as Tf.Tensor, [-1]);
            const vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(v, ret)))) as Tf.Scalar;
            const kl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as Tf.Scalar;
            const clipped = tf.mean(
              tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), config.clipCoef), "float32"),
            ) as Tf.Scalar;
            const ppoLoss = tf.add(tf.sub(pgLoss, tf.mul(config.entCoef, ent)), tf.mul(config.vfCoef, vLoss));
            if (!aux) {
              parts = [pgLoss, vLoss, ent, kl, clipped].map((p) => tf.keep(p));
              return ppoLoss as Tf.Scalar;
            }
            const [signLogits, recon] = aux.apply(x) as Tf.Tensor[];
            const signTarget = tf.oneHot(tf.tensor1d(mbRewardSign, "int32"), 3);
            const signLoss = tf.neg(
              tf.mean(tf.sum(tf.mul(signTarget, tf.logSoftmax(signLogits!)), 1)),
            ) as Tf.Scalar;
            const reconLoss = tf.mean(tf.square(tf.sub(recon!, x))) as Tf.Scalar;
            parts = [pgLoss, vLoss, ent, kl, clipped, signLoss, reconLoss].map((p) => tf.keep(p));
            return tf.add(ppoLoss, tf.mul(config.auxCoef, tf.add(signLoss, reconLoss))) as Tf.Scalar;
          }, variables);
          // Global gradient-norm clipping (tfjs has no clip_grad_norm_).
          const names = Object.keys(grads);
          const norm = Math.sqrt(
            names.reduce((sum, n) => sum + (tf.sum(tf.square(grads[n]!)).dataSync()[0] ?? 0), 0),
          );
          const scale = Math.min(1, config.maxGradNorm / (norm + 1e-6));
          const clippedGrads = names.map((name) => ({ name, tensor: tf.mul(grads[name]!, scale) }));
          optimizer.applyGradients(clippedGrads);
          const values = parts.map((p) => p.dataSync()[0]!);
          for (const p of parts) p.dispose();
          return values;
        });
        policyLoss += stats[0]!;
        valueLoss += stats[1]!;
        entropy += stats[2]!;
        approxKl += stats[3]!;
        clipfrac += stats[4]!;
        auxSign += stats[5] ?? 0;
        auxRecon += stats[6] ?? 0;
        updates++;
      }
    }

    // 4. Log.
    let varReturns = 0;
    let varResidual = 0;
    let meanReturns = 0;
    for (let i = 0; i < batchSize; i++) meanReturns += returns[i]!;
    meanReturns /= batchSize;
    for (let i = 0; i < batchSize; i++) {
      varReturns += (returns[i]! - meanReturns) ** 2;
      varResidual += (returns[i]! - values[i]!) ** 2;
    }
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    state = { actor, critic, observationStats, globalStep };
    const metrics: PpoMetrics = {
      iteration,
      global_step: globalStep,
      "charts/episodic_return": mean(finishedReturns),
      "charts/episodic_length": mean(finishedLengths),
      "charts/episodes": finishedReturns.length,
      "charts/SPS": Math.round(batchSize / ((performance.now() - started) / 1000)),
      "charts/learning_rate": (optimizer as unknown as { learningRate: number }).learningRate,
      "losses/policy_loss": policyLoss / updates,
      "losses/value_loss": valueLoss / updates,
      "losses/entropy": entropy / updates,
      "losses/approx_kl": approxKl / updates,
      "losses/clipfrac": clipfrac / updates,
      "losses/explained_variance": varReturns > 0 ? 1 - varResidual / varReturns : 0,
      ...(aux
        ? { "losses/aux_reward_sign": auxSign / updates, "losses/aux_reconstruction": auxRecon / updates }
        : {}),
    };
    if ((await hooks.onIteration?.(metrics, state)) === "stop") break;
  }
  optimizer.dispose();
  return state;
}

/** The policy's action for each observation row: greedy (argmax) or sampled with `rng`. */
export function act(
  runtime: TfRuntime,
  state: Pick<PpoState, "actor" | "observationStats">,
  observations: Float32Array,
  rows: number,
  rng?: Rng,
): Int32Array {
  const { tf } = runtime;
  const input = state.observationStats
    ? state.observationStats.normalize(observations, rows, new Float32Array(observations.length))
    : observations;
  const logits = predictRows(tf, state.actor, input, rows);
  const n = logits.length / rows;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (rng) {
      out[r] = sampleCategorical(logits, r * n, n, rng)[0];
      continue;
    }
    let best = 0;
    for (let k = 1; k < n; k++) if (logits[r * n + k]! > logits[r * n + best]!) best = k;
    out[r] = best;
  }
  return out;
}
