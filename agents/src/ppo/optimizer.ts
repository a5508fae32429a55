// Adam as the trainers use it: a step size that can be annealed between updates, and its state
// (step count, first and second moments) read out and written back, so that a resumed run goes
// on with the moments it had instead of a fresh Adam's zeros.
import type * as Tf from "@tensorflow/tfjs";
import type { TfModule } from "./backend.js";

/** Adam's state as plain data: what `getWeights()` hands out, copied off the backend. */
export interface AdamSnapshot {
  /** Updates applied so far (Adam's bias correction depends on it). */
  iterations: number;
  /** The first moments of every variable, then the second moments, in update order. */
  moments: { name: string; shape: number[]; values: Float32Array }[];
}

export interface AnnealedAdam extends Tf.Optimizer {
  /** The step size of the next update. */
  stepSize: number;
  snapshot(): Promise<AdamSnapshot>;
  /** Puts a snapshot's step count and moments in place (before the next update). */
  restore(snapshot: AdamSnapshot): Promise<void>;
}

/** tf.train.adam(learningRate, beta1, beta2, epsilon), with its step size and state exposed. */
export function annealedAdam(
  tf: TfModule,
  learningRate: number,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon?: number,
): AnnealedAdam {
  // The subclass reaches Adam's protected step size; the update itself is tfjs's, unchanged.
  class Annealed extends tf.AdamOptimizer implements AnnealedAdam {
    get stepSize(): number {
      return this.learningRate;
    }

    set stepSize(value: number) {
      this.learningRate = value;
    }

    async snapshot(): Promise<AdamSnapshot> {
      const [iter, ...moments] = await this.getWeights();
      const iterations = (await iter!.tensor.data())[0]!;
      iter!.tensor.dispose();
      return {
        iterations,
        moments: moments.map(({ name, tensor }) => ({
          name,
          shape: tensor.shape.slice(),
          values: Float32Array.from(tensor.dataSync()),
        })),
      };
    }

    async restore(snapshot: AdamSnapshot): Promise<void> {
      const tensors: { name: string; tensor: Tf.Tensor }[] = [
        { name: "iter", tensor: tf.scalar(snapshot.iterations, "int32") },
        ...snapshot.moments.map((m) => ({ name: m.name, tensor: tf.tensor(m.values, m.shape) })),
      ];
      // Replaced moments would otherwise stay on the backend.
      const old = await this.getWeights();
      await this.setWeights(tensors);
      for (const { tensor } of [...old, ...tensors]) tensor.dispose();
    }
  }
  return new Annealed(learningRate, beta1, beta2, epsilon);
}
