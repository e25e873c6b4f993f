import * as tf from '@tensorflow/tfjs-core';
import { Mode, Module, NamedVariable, copyWeights, newVariable } from '../nn/module';
import { BatchNorm } from '../nn/batch-norm';
import { Rng } from '../nn/rng';
import { torchDefaultUniform } from '../nn/init';

/**
 * The projector of Barlow Twins (paper Sec. 3.2): an MLP from the pooled block features to the embedding
 * the loss compares. Widths `[in, h1, ..., out]`: each hidden layer is Linear (no bias) -> batch norm ->
 * ReLU, the last layer a Linear without bias. The paper's is 2048-8192-8192-8192.
 * `[N, in] -> [N, out]`.
 *
 * Linear weights are `[in, out]` with PyTorch's default init. Variable names follow the authors'
 * `nn.Sequential`: Linear i at index 3 i (`0.weight`, `3.weight`, `6.weight`), its batch norm at 3 i + 1
 * (`1.weight`, `1.bias`, `1.running_mean`, `1.running_var`).
 */
export class Projector implements Module {
  readonly widths: readonly number[];
  readonly weights: tf.Variable<tf.Rank.R2>[];
  readonly norms: BatchNorm[];

  /** Fresh weights drawn from `rng`. */
  constructor(widths: readonly number[], rng: Rng);
  /** A deep copy of `source`: same widths, same parameter and buffer values, its own variables. */
  constructor(source: Projector);
  constructor(arg: readonly number[] | Projector, rng?: Rng) {
    const widths = arg instanceof Projector ? arg.widths : [...arg];
    if (widths.length < 2 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
      throw new Error(`Projector: widths must be at least two positive integers [in, ..., out], got [${widths}]`);
    }
    this.widths = widths;
    if (arg instanceof Projector) {
      this.weights = arg.weights.map((w) => tf.tidy(() => newVariable(w.clone())) as tf.Variable<tf.Rank.R2>);
      this.norms = arg.norms.map((bn) => new BatchNorm(bn.config));
      arg.norms.forEach((bn, i) => copyWeights(bn, this.norms[i]));
    } else {
      if (rng === undefined) throw new Error('Projector: an Rng is needed to initialise fresh weights');
      this.weights = widths
        .slice(1)
        .map((out, i) => tf.tidy(() => newVariable(torchDefaultUniform([widths[i], out], widths[i], rng))) as tf.Variable<tf.Rank.R2>);
      this.norms = widths.slice(1, -1).map((c) => new BatchNorm({ channels: c }));
    }
  }

  /** Input width. */
  get inDim(): number {
    return this.widths[0];
  }

  /** Embedding width. */
  get outDim(): number {
    return this.widths[this.widths.length - 1];
  }

  /** `[N, in] -> [N, out]`; `mode` selects batch or running statistics in the batch norms. */
  apply(x: tf.Tensor2D, mode: Mode): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inDim) {
      throw new Error(`Projector: input shape [${x.shape}], expected [N, ${this.inDim}]`);
    }
    return tf.tidy(() => {
      let h: tf.Tensor2D = x;
      this.weights.forEach((w, i) => {
        h = tf.matMul(h, w);
        if (i < this.norms.length) h = tf.relu(this.norms[i].apply(h, mode));
      });
      return h;
    });
  }

  parameters(): NamedVariable[] {
    return this.weights.flatMap((w, i) => [
      { name: `${3 * i}.weight`, variable: w },
      ...(i < this.norms.length ? this.norms[i].parameters().map((p) => ({ name: `${3 * i + 1}.${p.name}`, variable: p.variable })) : []),
    ]);
  }

  buffers(): NamedVariable[] {
    return this.norms.flatMap((bn, i) => bn.buffers().map((b) => ({ name: `${3 * i + 1}.${b.name}`, variable: b.variable })));
  }

  dispose(): void {
    for (const w of this.weights) w.dispose();
    for (const bn of this.norms) bn.dispose();
  }
}

/** The paper's projector widths after the pooling head (hidden, hidden, output): 8192-8192-8192. */
export const PAPER_PROJECTOR: readonly number[] = Object.freeze([8192, 8192, 8192]);

/**
 * One projector per training block, `[inWidths[k], ...widths]` each (`widths` are the hidden and output
 * widths, `[8192, 8192, 8192]` in the paper). With `identicalInit` (default true,
 * the authors' code deep-copies one projector for all four blocks) every projector starts from the same
 * weights, which needs equal input widths (true with CbE or LSP heads, all 2048); with GSP heads (256, 512,
 * ...) pass `identicalInit: false` for independent draws.
 */
export function createBlockProjectors(
  inWidths: readonly number[],
  widths: readonly number[],
  rng: Rng,
  { identicalInit = true }: { identicalInit?: boolean } = {},
): Projector[] {
  if (inWidths.length === 0) throw new Error('createBlockProjectors: no blocks given (inWidths is empty)');
  if (identicalInit && !inWidths.every((w) => w === inWidths[0])) {
    throw new Error(`createBlockProjectors: identical initial weights need equal input widths, got [${inWidths}]`);
  }
  if (!identicalInit) return inWidths.map((w) => new Projector([w, ...widths], rng));
  const first = new Projector([inWidths[0], ...widths], rng);
  return [first, ...inWidths.slice(1).map(() => new Projector(first))];
}
