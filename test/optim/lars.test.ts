import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Lars, LarsConfig } from '../../lib/optim';
import { loadFixture } from '../helpers';
import { checkAgainstFixture, checkNoTensorGrowth, checkRejections, checkStateRoundTrip, makeParams, OptimCase, MakeOptimizer } from './optimizer-checks';

const cases = loadFixture<{ lars: OptimCase<Required<LarsConfig>>[] }>('optim').lars;
const make: MakeOptimizer<LarsConfig> = (params, config) => new Lars(params, config);

describe('optim/Lars', () => {
  cases.forEach((c, i) => {
    it(`matches the Barlow Twins LARS in PyTorch, case ${i} (${JSON.stringify(c.config)})`, () => {
      // 4-D conv, 2-D linear and 1-D bias/BN parameters, a zero parameter with a zero gradient, a bias without
      // a gradient at step 1 and a parameter that never has one.
      checkAgainstFixture(c, make);
    });
  });

  it('has the Barlow Twins defaults', () => {
    const opt = new Lars([]);
    assert.deepStrictEqual(
      [opt.momentum, opt.eta, opt.weightDecay, opt.biasLrMultiplier],
      [0.9, 0.001, 1e-6, 0.024],
    );
    assert.deepStrictEqual(cases[0].config, { momentum: 0.9, eta: 0.001, weightDecay: 1e-6, biasLrMultiplier: 0.024 });
    // So case 0 of the fixture also checks the defaults.
    checkAgainstFixture(cases[0], (params) => new Lars(params));
  });

  it('leaves a parameter without gradient and its state untouched', () => {
    const params = makeParams(cases[1]);
    const opt = new Lars(params, cases[1].config);
    const frozen = params.find((p) => p.name === 'frozen.weight')!;
    const initial = frozen.variable.dataSync().slice();
    const grads: tf.NamedTensorMap = {};
    for (const p of params) if (p !== frozen) grads[p.variable.name] = tf.onesLike(p.variable);
    opt.step(grads, 0.5);
    assert.deepStrictEqual(frozen.variable.dataSync(), initial);
    assert.ok(!('frozen.weight' in opt.getState()));
    tf.dispose(grads);
    opt.dispose();
    for (const p of params) p.variable.dispose();
  });

  it('round-trips its state through getState / setState', () => checkStateRoundTrip(cases[1], make));
  it('keeps the tensor count constant over 20 steps', () => checkNoTensorGrowth(cases[1], make));
  it('rejects bad gradients, learning rates, parameters and states', () => checkRejections(cases[1], make));

  it('rejects bad hyper-parameters', () => {
    assert.throws(() => new Lars([], { eta: -1 }), /eta -1/);
    assert.throws(() => new Lars([], { momentum: NaN }), /momentum NaN/);
  });
});
