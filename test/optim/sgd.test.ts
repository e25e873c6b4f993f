import * as assert from 'assert';
import { Sgd, SgdConfig } from '../../lib/optim';
import { loadFixture } from '../helpers';
import { checkAgainstFixture, checkNoTensorGrowth, checkRejections, checkStateRoundTrip, OptimCase, MakeOptimizer } from './optimizer-checks';

const cases = loadFixture<{ sgd: OptimCase<Required<SgdConfig>>[] }>('optim').sgd;
const make: MakeOptimizer<SgdConfig> = (params, config) => new Sgd(params, config);

describe('optim/Sgd', () => {
  cases.forEach((c, i) => {
    it(`matches torch.optim.SGD, case ${i} (${JSON.stringify(c.config)})`, () => checkAgainstFixture(c, make));
  });

  it('defaults to the linear probe recipe (momentum 0.9, weight decay 1e-6)', () => {
    const opt = new Sgd([]);
    assert.deepStrictEqual([opt.momentum, opt.weightDecay], [0.9, 1e-6]);
    assert.deepStrictEqual(cases[0].config, { momentum: 0.9, weightDecay: 1e-6 });
    checkAgainstFixture(cases[0], (params) => new Sgd(params));
  });

  it('round-trips its state through getState / setState', () => checkStateRoundTrip(cases[1], make));
  it('keeps the tensor count constant over 20 steps', () => checkNoTensorGrowth(cases[1], make));
  it('rejects bad gradients, learning rates, parameters and states', () => checkRejections(cases[1], make));

  it('rejects bad hyper-parameters', () => {
    assert.throws(() => new Sgd([], { weightDecay: -1e-4 }), /weightDecay -0.0001/);
  });
});
