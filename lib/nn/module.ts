import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether a forward pass trains or evaluates. `'train'`: batch norm uses batch statistics and updates
 * its running statistics, feature noise is on. `'eval'`: running statistics, no noise, nothing changes.
 * Passed explicitly to every forward pass; there is no global training flag.
 */
export type Mode = 'train' | 'eval';

/**
 * A named tensor owned by a module. Names are PyTorch-style dotted paths (`layer1.0.conv1.weight`) so that
 * weights can be compared with, or loaded from, a torchvision model. The tfjs variable itself gets an
 * anonymous unique name, so any number of models can live in one process.
 */
export interface NamedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
}

/** Anything that owns parameters (trained) and buffers (batch-norm running statistics, not trained). */
export interface Module {
  /** Trainable parameters, in a stable order. */
  parameters(): NamedVariable[];
  /** Non-trainable state, in a stable order. */
  buffers(): NamedVariable[];
  /** Frees every variable the module owns. */
  dispose(): void;
}

/** Prefixes the names of a child module's variables: `prefix('layer1', conv.parameters())`. */
export function prefixed(prefix: string, vars: NamedVariable[]): NamedVariable[] {
  return vars.map((v) => ({ name: prefix === '' ? v.name : `${prefix}.${v.name}`, variable: v.variable }));
}

/** A module made of named children; its variables are the children's, prefixed by the child names. */
export class Container implements Module {
  constructor(protected readonly children: ReadonlyArray<readonly [string, Module]>) {}

  parameters(): NamedVariable[] {
    return this.children.flatMap(([n, m]) => prefixed(n, m.parameters()));
  }

  buffers(): NamedVariable[] {
    return this.children.flatMap(([n, m]) => prefixed(n, m.buffers()));
  }

  dispose(): void {
    for (const [, m] of this.children) m.dispose();
  }
}

/** Creates a trainable (or, with `trainable = false`, a buffer) variable with a unique anonymous name. */
export function newVariable(initial: tf.Tensor, trainable = true): tf.Variable {
  return tf.variable(initial, trainable);
}

/** Number of scalar entries across a module's parameters. */
export function countParameters(m: Module): number {
  return m.parameters().reduce((s, p) => s + p.variable.size, 0);
}

/** Copies every parameter and buffer of `from` into `to`; both must have the same names and shapes. */
export function copyWeights(from: Module, to: Module): void {
  const src = new Map([...from.parameters(), ...from.buffers()].map((v) => [v.name, v.variable]));
  for (const dst of [...to.parameters(), ...to.buffers()]) {
    const s = src.get(dst.name);
    if (s === undefined) throw new Error(`copyWeights: source has no variable named '${dst.name}'`);
    if (!tf.util.arraysEqual(s.shape, dst.variable.shape)) {
      throw new Error(`copyWeights: '${dst.name}' has shape [${s.shape}] in the source, [${dst.variable.shape}] in the target`);
    }
    dst.variable.assign(s);
  }
}

/** A module with a forward pass over NHWC feature maps: `[N, H, W, C] -> [N, H', W', C']`. */
export interface Layer extends Module {
  apply(x: tf.Tensor4D, mode: Mode): tf.Tensor4D;
}

/** Named layers applied in order; variable names are prefixed by the child names (`0.conv1.weight`). */
export class Sequential extends Container implements Layer {
  constructor(readonly layers: ReadonlyArray<readonly [string, Layer]>) {
    super(layers);
  }

  apply(x: tf.Tensor4D, mode: Mode): tf.Tensor4D {
    return tf.tidy(() => this.layers.reduce((h, [, l]) => l.apply(h, mode), x));
  }
}
