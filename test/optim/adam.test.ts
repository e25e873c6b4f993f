import * as assert from 'assert';
import { NamedVariable } from '../../lib/nn/module';
import { Adam, AdamConfig } from '../../lib/optim';
import { assertClose, loadFixture } from '../helpers';
import {
  checkNoTensorGrowth,
  checkRejections,
  checkStateRoundTrip,
  disposeParams,
  makeParams,
  runStep,
  MakeOptimizer,
  OptimCase,
  StepInput,
} from './optimizer-checks';

interface AdamStep extends StepInput {
  /** Every parameter after the step. */
  params: Record<string, number[]>;
  /** `<name>:exp_avg`, `<name>:exp_avg_sq`, `<name>:step` of every parameter that has state after the step. */
  state: Record<string, number[]>;
}

// scripts/fixtures/adam.py: torch.optim.Adam (cases 0, 1) and torch.optim.AdamW (cases 2, 3).
const cases = loadFixture<{ adam: OptimCase<Required<AdamConfig>, AdamStep>[] }>('adam').adam;
const make: MakeOptimizer<AdamConfig> = (params, config) => new Adam(params, config);

/** Steps through the case and compares every parameter and state entry with PyTorch's after each step. */
function checkAgainstTorch(c: OptimCase<AdamConfig, AdamStep>, make: (params: NamedVariable[]) => Adam): void {
  const params = makeParams(c);
  const adam = make(params);
  c.steps.forEach((step, i) => {
    runStep(adam, params, step);
    for (const p of params) assertClose(p.variable.dataSync(), step.params[p.name], { what: `step ${i} ${p.name}` });
    const state = adam.getState();
    assert.deepStrictEqual(Object.keys(state).sort(), Object.keys(step.state).sort(), `step ${i}: state keys`);
    for (const [key, expected] of Object.entries(step.state)) {
      const name = key.slice(0, key.lastIndexOf(':'));
      const shape = key.endsWith(':step') ? [] : params.find((p) => p.name === name)!.variable.shape;
      assert.deepStrictEqual(state[key].shape, shape, `step ${i} shape of ${key}`);
      if (key.endsWith(':step')) {
        assert.deepStrictEqual(Array.from(state[key].values), expected, `step ${i} ${key}`);
      } else {
        // The moments sum terms of either sign: float32 cancellation error scales with the tensor's magnitude.
        const atol = 1e-6 * Math.max(1e-6, ...expected.map(Math.abs));
        assertClose(state[key].values, expected, { atol, what: `step ${i} ${key}` });
      }
    }
  });
  adam.dispose();
  disposeParams(params);
}

describe('optim/Adam', () => {
  cases.forEach((c, i) => {
    const torchName = c.config.decoupled ? 'AdamW' : 'Adam';
    it(`matches torch.optim.${torchName}, case ${i} (${JSON.stringify(c.config)})`, () => {
      // A parameter without a gradient at step 1 (its bias correction falls a step behind), with an all-zero
      // gradient at step 2, and one that never has a gradient.
      checkAgainstTorch(c, (params) => new Adam(params, c.config));
    });
  });

  it('defaults to Kingma & Ba (beta1 0.9, beta2 0.999, eps 1e-8) without weight decay', () => {
    const opt = new Adam([]);
    assert.deepStrictEqual([opt.beta1, opt.beta2, opt.eps, opt.weightDecay, opt.decoupled], [0.9, 0.999, 1e-8, 0, false]);
    assert.deepStrictEqual(cases[0].config, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false });
    // So case 0 of the fixture also checks the defaults.
    checkAgainstTorch(cases[0], (params) => new Adam(params));
  });

  cases.forEach((c, i) => {
    it(`round-trips its state (moments and step counts) through getState / setState, case ${i}`, () => checkStateRoundTrip(c, make));
  });
  it('keeps the tensor count constant over 20 steps', () => checkNoTensorGrowth(cases[3], make));
  it('rejects bad gradients, learning rates, parameters and states', () => checkRejections(cases[1], make, (name) => `${name}:exp_avg_sq`));

  it('rejects incomplete states and bad step counts, leaving the state unchanged', () => {
    const c = cases[2];
    const params = makeParams(c);
    const opt = new Adam(params, c.config);
    runStep(opt, params, c.steps[0]);
    const state = opt.getState();
    const { ['fc.weight:step']: _, ...noStep } = state;
    assert.throws(() => opt.setState(noStep), /'fc.weight' lacks 'fc.weight:step'/);
    const scalar = (v: number) => ({ shape: [], values: Float32Array.of(v) });
    assert.throws(() => opt.setState({ ...state, 'fc.weight:step': scalar(0) }), /'fc.weight:step' must be a scalar step count/);
    assert.throws(() => opt.setState({ ...state, 'fc.weight:step': scalar(1.5) }), /'fc.weight:step' must be a scalar step count/);
    assert.throws(() => opt.setState({ ...state, 'fc.weight:step': { shape: [1], values: Float32Array.of(2) } }), /'fc.weight:step' must be a scalar/);
    assert.throws(() => opt.setState({ ...state, 'fc.weight:mu': scalar(1) }), /state key 'fc.weight:mu' does not end in :exp_avg, :exp_avg_sq or :step/);
    assert.throws(() => opt.setState({ ...state, 'nope:exp_avg': { shape: [2], values: new Float32Array(2) } }), /state for 'nope:exp_avg', which is not one of the optimised parameters/);
    assert.deepStrictEqual(opt.getState(), state, 'state after refused setStates');
    opt.setState({});
    assert.deepStrictEqual(opt.getState(), {});
    opt.dispose();
    disposeParams(params);
  });

  it('rejects bad hyper-parameters, naming the option and its value', () => {
    assert.throws(() => new Adam([], { beta1: 1 }), /Adam: beta1 1 is not a number in \[0, 1\)/);
    assert.throws(() => new Adam([], { beta2: -0.1 }), /Adam: beta2 -0.1 is not a number in \[0, 1\)/);
    assert.throws(() => new Adam([], { beta2: NaN }), /beta2 NaN/);
    assert.throws(() => new Adam([], { eps: -1e-8 }), /Adam: eps -1e-8 is not a finite number >= 0/);
    assert.throws(() => new Adam([], { weightDecay: Infinity }), /Adam: weightDecay Infinity/);
    assert.throws(() => new Adam([], { decoupled: 'yes' as unknown as boolean }), /Adam: decoupled yes is not a boolean/);
  });
});
