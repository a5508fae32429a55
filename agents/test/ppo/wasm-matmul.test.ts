import { describe, expect, it } from "vitest";
import { selectBackend } from "../../src/ppo/backend.js";
import { useExplicitTransposeMatMul } from "../../src/ppo/wasm-matmul.js";

/** C = op(A)·op(B) on plain arrays, row-major, op = transpose when asked. */
function reference(
  a: number[],
  aShape: [number, number],
  b: number[],
  bShape: [number, number],
  tA: boolean,
  tB: boolean,
) {
  const [ar, ac] = aShape;
  const [br, bc] = bShape;
  const A = (i: number, k: number) => (tA ? a[k * ac + i]! : a[i * ac + k]!);
  const B = (k: number, j: number) => (tB ? b[j * bc + k]! : b[k * bc + j]!);
  const m = tA ? ac : ar;
  const inner = tA ? ar : ac;
  const n = tB ? br : bc;
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += A(i, k) * B(k, j);
      out.push(s);
    }
  return out;
}

const values = (n: number, phase: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + phase));

describe("wasm matMul with transposed operands", () => {
  it("gives the plain product for every transpose combination, fused bias and relu included, without leaking", async () => {
    const { tf, backend } = await selectBackend({ prefer: ["wasm"] });
    expect(backend).toBe("wasm");
    useExplicitTransposeMatMul(tf); // a second call must not wrap twice
    for (const name of ["BatchMatMul", "_FusedMatMul"]) {
      const { kernelFunc } = tf.getKernel(name, "wasm")!;
      expect(
        (kernelFunc as unknown as { [k: symbol]: unknown })[Symbol.for("agent-league.plain-matmul")],
      ).toBe(true);
    }
    const cases: [boolean, boolean, [number, number], [number, number]][] = [
      [false, false, [5, 3], [3, 4]],
      [true, false, [5, 3], [5, 4]],
      [false, true, [3, 5], [4, 5]],
      [true, true, [5, 3], [4, 5]],
    ];
    const ids = tf.engine().backend.numDataIds();
    for (const [tA, tB, aShape, bShape] of cases) {
      const a = values(aShape[0] * aShape[1], 0);
      const b = values(bShape[0] * bShape[1], 1);
      const want = reference(a, aShape, b, bShape, tA, tB);
      const got = tf.tidy(() =>
        Array.from(tf.matMul(tf.tensor2d(a, aShape), tf.tensor2d(b, bShape), tA, tB).dataSync()),
      );
      for (const [i, g] of got.entries()) expect(g, `tA ${tA} tB ${tB} [${i}]`).toBeCloseTo(want[i]!, 5);
      const cols = want.length / (tA ? aShape[1] : aShape[0]);
      const bias = values(cols, 2);
      const fused = tf.tidy(() =>
        Array.from(
          tf.fused
            .matMul({
              a: tf.tensor2d(a, aShape),
              b: tf.tensor2d(b, bShape),
              transposeA: tA,
              transposeB: tB,
              bias: tf.tensor1d(bias),
              activation: "relu",
            })
            .dataSync(),
        ),
      );
      for (const [i, g] of fused.entries()) expect(g).toBeCloseTo(Math.max(0, want[i]! + bias[i % cols]!), 5);
    }
    // Batched (3-D) operands transpose their last two axes only.
    const a = values(5 * 3, 0);
    const b = values(5 * 4, 1);
    const batched = tf.tidy(() =>
      Array.from(
        tf
          .matMul(
            tf.tensor3d([...a, ...a.map((x) => -x)], [2, 5, 3]),
            tf.tensor3d([...b, ...b], [2, 5, 4]),
            true,
          )
          .dataSync(),
      ),
    );
    const one = reference(a, [5, 3], b, [5, 4], true, false);
    expect(batched.slice(0, 12).map((x) => Number(x.toFixed(4)))).toEqual(
      one.map((x) => Number(x.toFixed(4))),
    );
    expect(batched.slice(12).map((x) => Number(x.toFixed(4)))).toEqual(
      one.map((x) => Number((-x).toFixed(4))),
    );
    // The transposed copies are freed.
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });

  it("backpropagates through a dense layer to the analytic gradients", async () => {
    const { tf } = await selectBackend({ prefer: ["wasm"] });
    const x = values(6 * 3, 0.3);
    const w = values(3 * 2, 0.9);
    // loss = sum(x·w): dL/dw = xᵀ·1, dL/dx = 1·wᵀ (the products backprop asks with transposes).
    const [dx, dw] = tf.tidy(() => {
      const g = tf.grads((xs: import("@tensorflow/tfjs").Tensor, ws: import("@tensorflow/tfjs").Tensor) =>
        tf.sum(tf.matMul(xs, ws)),
      )([tf.tensor2d(x, [6, 3]), tf.tensor2d(w, [3, 2])]);
      return g.map((t) => Array.from(t.dataSync()));
    });
    const ones = Array.from({ length: 12 }, () => 1);
    for (const [i, v] of reference(x, [6, 3], ones, [6, 2], true, false).entries())
      expect(dw![i]).toBeCloseTo(v, 5);
    for (const [i, v] of reference(ones, [6, 2], w, [3, 2], false, true).entries())
      expect(dx![i]).toBeCloseTo(v, 5);
  });
});
