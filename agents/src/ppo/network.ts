import type * as Tf from "@tensorflow/tfjs";
import type { TfModule } from "./backend.js";

/**
 * An MLP with orthogonal-like (Glorot) initialisation and tanh activations, as in CleanRL's
 * discrete PPO. Seeded so that the same config builds the same weights.
 */
export function buildMlp(
  tf: TfModule,
  options: {
    inputSize: number;
    hidden: number[];
    outputSize: number;
    seed: number;
    name: string;
    outputScale?: number;
  },
): Tf.LayersModel {
  const model = tf.sequential({ name: options.name });
  options.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [options.inputSize] } : {}),
        units,
        activation: "tanh",
        kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + i }),
        name: `${options.name}_dense_${i}`,
      }),
    );
  });
  model.add(
    tf.layers.dense({
      ...(options.hidden.length === 0 ? { inputShape: [options.inputSize] } : {}),
      units: options.outputSize,
      // A small last layer keeps the first policy near uniform (CleanRL uses std 0.01 for the actor).
      kernelInitializer: tf.initializers.randomUniform({
        minval: -(options.outputScale ?? 1) * 0.05,
        maxval: (options.outputScale ?? 1) * 0.05,
        seed: options.seed + 1000,
      }),
      name: `${options.name}_out`,
    }),
  );
  return model;
}

/** What the actor and the critic are built from: sizes, hidden layers and the run's seed. */
export interface ActorCriticShape {
  observationSize: number;
  actionCount: number;
  hidden: number[];
  seed: number;
}

/** The policy network: one logit per discrete action (what a checkpoint ships). */
export function buildActor(tf: TfModule, shape: ActorCriticShape): Tf.LayersModel {
  return buildMlp(tf, {
    inputSize: shape.observationSize,
    hidden: shape.hidden,
    outputSize: shape.actionCount,
    seed: shape.seed,
    name: "actor",
  });
}

/**
 * A value network, separate from the actor as in CleanRL's discrete PPO. Its last layer starts
 * 20 times wider than the actor's: returns are far from the logits' near-zero start.
 */
export function buildCritic(
  tf: TfModule,
  shape: Omit<ActorCriticShape, "actionCount">,
  name = "critic",
  seedOffset = 7,
): Tf.LayersModel {
  return buildMlp(tf, {
    inputSize: shape.observationSize,
    hidden: shape.hidden,
    outputSize: 1,
    seed: shape.seed + seedOffset,
    name,
    outputScale: 20,
  });
}

/**
 * `model` on `rows` rows of `input`, read back as one flat array. The read happens outside
 * tf.tidy: a tidy returning a typed array walks every element looking for tensors.
 */
export function predictRows(
  tf: typeof Tf,
  model: Tf.LayersModel,
  input: Float32Array,
  rows: number,
): Float32Array {
  const out = tf.tidy(() => model.predict(tf.tensor2d(input, [rows, input.length / rows])) as Tf.Tensor);
  try {
    return out.dataSync() as Float32Array;
  } finally {
    out.dispose();
  }
}
