import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Mode, Module } from '../../lib/nn/module';
import { WeightDict, WeightEntry, loadWeights } from '../../lib/nn/weights';
import { assertTensorClose } from '../helpers';

/** One model's PyTorch reference, as scripts/fixtures/nn.py writes it (NHWC, tfjs weight layouts). */
export interface ForwardBackwardReference {
  weights: WeightDict;
  input: WeightEntry;
  /** Eval-mode output with the initial running statistics (absent for the stem case). */
  evalOutput?: WeightEntry;
  /** The fixed random R of the scalar sum(output * R) that is differentiated. */
  R: WeightEntry;
  trainOutput: WeightEntry;
  inputGrad: WeightEntry;
  weightGrads: WeightDict;
  runningStatsAfterTrain: WeightDict;
}

const tensorOf = (e: WeightEntry): tf.Tensor => tf.tensor(Array.from(e.data), e.shape);

/**
 * Loads the reference weights into `model`, then checks (each against PyTorch): the eval-mode output and
 * that eval mode leaves the running statistics alone; the train-mode output, the gradients of
 * sum(output * R) with respect to the input and every parameter, and the updated running statistics.
 */
export function checkAgainstReference(
  model: Module & { apply(x: tf.Tensor4D, mode: Mode): tf.Tensor },
  ref: ForwardBackwardReference,
  rtol = 1e-4,
): void {
  // float32 here, float64 in the reference: sums with cancellation get an absolute error on the scale of
  // the whole tensor, hence atol = rtol * max |reference|.
  const close = (t: tf.Tensor, expected: WeightEntry, what: string) => {
    const atol = rtol * Array.from(expected.data).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assertTensorClose(t, expected.data, { rtol, atol, what });
  };
  loadWeights(model, ref.weights);
  const x = tf.tidy(() => tf.variable(tensorOf(ref.input)));
  const r = tensorOf(ref.R);
  const buffers = model.buffers();

  if (ref.evalOutput) {
    const before = buffers.map((b) => b.variable.dataSync().slice());
    const y = model.apply(x as tf.Tensor4D, 'eval');
    close(y, ref.evalOutput, 'eval output');
    y.dispose();
    buffers.forEach((b, i) => assertTensorClose(b.variable, before[i], { rtol: 0, atol: 0, what: `${b.name} after eval` }));
  }

  const initial = buffers.map((b) => b.variable.dataSync().slice());
  const params = model.parameters();
  let y: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    y = tf.keep(model.apply(x as tf.Tensor4D, 'train'));
    return tf.sum(tf.mul(y, r));
  }, [x, ...params.map((p) => p.variable)]);
  close(y!, ref.trainOutput, 'train output');
  close(grads[x.name], ref.inputGrad, 'input gradient');
  for (const p of params) {
    close(grads[p.variable.name], ref.weightGrads[p.name], `gradient of ${p.name}`);
  }
  buffers.forEach((b, i) => {
    close(b.variable, ref.runningStatsAfterTrain[b.name], `${b.name} after train`);
    assert.ok(b.variable.dataSync().some((v, j) => v !== initial[i][j]), `train mode moved ${b.name}`);
  });
  tf.dispose([x, r, y!, value, ...Object.values(grads)]);
}
