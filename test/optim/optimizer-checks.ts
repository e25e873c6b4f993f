// Checks shared by the optimiser tests, driven by the cases of test/fixtures/optim.json and adam.json
// (scripts/fixtures/optim.py, adam.py: the same parameters and gradients stepped by PyTorch).
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { NamedVariable } from '../../lib/nn/module';
import { Optimizer, OptimizerState } from '../../lib/optim';
import { assertClose, assertNoLeak } from '../helpers';

/** What a step feeds an optimiser. */
export interface StepInput {
  lr: number;
  /** Parameter name -> gradient values; a parameter missing here gets no gradient at this step. */
  grads: Record<string, number[]>;
}

export interface OptimStep extends StepInput {
  /** Every parameter after the step. */
  params: Record<string, number[]>;
  /** Momentum buffer of every parameter that has one after the step. */
  momentum: Record<string, number[]>;
}

export interface OptimCase<C, S extends StepInput = OptimStep> {
  config: C;
  params: { name: string; shape: number[]; values: number[] }[];
  steps: S[];
}

export type MakeOptimizer<C> = (params: NamedVariable[], config: C) => Optimizer;

export function makeParams(c: OptimCase<unknown, StepInput>): NamedVariable[] {
  return c.params.map((p) => ({ name: p.name, variable: tf.variable(tf.tensor(p.values, p.shape)) }));
}

/** The step's gradients keyed by tfjs variable name, as `tf.variableGrads` returns them. */
export function gradsFor(params: NamedVariable[], step: StepInput): tf.NamedTensorMap {
  const grads: tf.NamedTensorMap = {};
  for (const p of params) {
    const g = step.grads[p.name];
    if (g !== undefined) grads[p.variable.name] = tf.tensor(g, p.variable.shape);
  }
  return grads;
}

export function runStep(opt: Optimizer, params: NamedVariable[], step: StepInput): void {
  const grads = gradsFor(params, step);
  opt.step(grads, step.lr);
  tf.dispose(grads);
}

export function disposeParams(params: NamedVariable[]): void {
  for (const p of params) p.variable.dispose();
}

/** Steps through the case and compares every parameter and momentum buffer with PyTorch's after each step. */
export function checkAgainstFixture<C>(c: OptimCase<C>, make: MakeOptimizer<C>): void {
  const params = makeParams(c);
  const opt = make(params, c.config);
  c.steps.forEach((step, i) => {
    runStep(opt, params, step);
    for (const p of params) {
      assertClose(p.variable.dataSync(), step.params[p.name], { what: `step ${i} ${p.name}` });
    }
    const state = opt.getState();
    assert.deepStrictEqual(Object.keys(state).sort(), Object.keys(step.momentum).sort(), `step ${i}: parameters with state`);
    for (const [name, mu] of Object.entries(step.momentum)) {
      assert.deepStrictEqual(state[name].shape, params.find((p) => p.name === name)!.variable.shape);
      // Momentum sums terms of either sign: float32 cancellation error scales with the tensor's magnitude.
      const atol = 1e-6 * Math.max(1e-6, ...mu.map(Math.abs));
      assertClose(state[name].values, mu, { atol, what: `step ${i} momentum of ${name}` });
    }
  });
  opt.dispose();
  disposeParams(params);
}

/**
 * Two steps on optimiser A; its state, deep-copied, goes into optimiser B over fresh variables (other tfjs
 * names, as after a restart) holding A's parameter values; the next steps must then match bit for bit.
 */
export function checkStateRoundTrip<C>(c: OptimCase<C, StepInput>, make: MakeOptimizer<C>): void {
  const paramsA = makeParams(c);
  const a = make(paramsA, c.config);
  runStep(a, paramsA, c.steps[0]);
  runStep(a, paramsA, c.steps[1]);
  const saved: OptimizerState = structuredClone(a.getState());

  const paramsB = paramsA.map((p) => ({ name: p.name, variable: tf.variable(p.variable.clone()) }));
  const b = make(paramsB, c.config);
  b.setState(saved);
  assert.deepStrictEqual(b.getState(), saved);
  for (const step of c.steps.slice(2)) {
    runStep(a, paramsA, step);
    runStep(b, paramsB, step);
  }
  paramsA.forEach((p, i) => {
    assert.deepStrictEqual(paramsB[i].variable.dataSync(), p.variable.dataSync(), `${p.name} after the round trip`);
  });
  assert.deepStrictEqual(b.getState(), a.getState());
  for (const o of [a, b]) o.dispose();
  disposeParams([...paramsA, ...paramsB]);
}

/** Creating, stepping and disposing leaves no tensor behind; after the first step the count never moves. */
export async function checkNoTensorGrowth<C>(c: OptimCase<C, StepInput>, make: MakeOptimizer<C>): Promise<void> {
  const params = makeParams(c);
  await assertNoLeak(() => {
    const opt = make(params, c.config);
    runStep(opt, params, c.steps[0]);
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      runStep(opt, params, c.steps[i % c.steps.length]);
      assert.strictEqual(tf.memory().numTensors, after1, `tensor count grew at step ${i + 2}`);
    }
    opt.dispose();
  }, 'optimizer life cycle');
  disposeParams(params);
}

/**
 * Bad gradients, learning rates and states are refused with a message naming them, and change nothing.
 * `stateKey` maps a parameter name to the key of its state entry of the parameter's shape.
 */
export function checkRejections<C>(c: OptimCase<C, StepInput>, make: MakeOptimizer<C>, stateKey = (name: string) => name): void {
  const params = makeParams(c);
  const opt = make(params, c.config);
  runStep(opt, params, c.steps[0]);
  const state = opt.getState();
  const first = params[0];

  const wrongShape = { [first.variable.name]: tf.zeros([first.variable.size + 1]) };
  assert.throws(() => opt.step(wrongShape, 0.1), new RegExp(`gradient of '${first.name}' has shape`));
  const stranger = tf.variable(tf.zeros([2]));
  const unknown = { [stranger.name]: tf.zeros([2]) };
  assert.throws(() => opt.step(unknown, 0.1), /not one of the optimised parameters/);
  assert.throws(() => opt.step({}, -0.1), /learning rate -0.1/);
  assert.throws(() => opt.step({}, NaN), /learning rate NaN/);
  assert.throws(() => make([first, { name: first.name, variable: stranger }], c.config), /two parameters are named/);

  assert.throws(() => opt.setState({ nope: { shape: [2], values: new Float32Array(2) } }), /'nope'/);
  const badShape = { ...state, [stateKey(first.name)]: { shape: [first.variable.size], values: new Float32Array(first.variable.size) } };
  assert.throws(() => opt.setState(badShape), /in the state/);
  assert.deepStrictEqual(opt.getState(), state, 'state after a refused setState');

  // tf.variableGrads maps a non-trainable variable of varList to null: no gradient.
  const before = opt.getState();
  const values = first.variable.dataSync().slice();
  opt.step({ [first.variable.name]: null as unknown as tf.Tensor }, 0.1);
  assert.deepStrictEqual(first.variable.dataSync(), values);
  assert.deepStrictEqual(opt.getState(), before);

  tf.dispose([wrongShape, unknown, stranger]);
  opt.dispose();
  disposeParams(params);
}
