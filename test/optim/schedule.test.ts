import * as assert from 'assert';
import { cosine, CosineConfig, linearScaledLr, warmupCosine, WarmupCosineConfig } from '../../lib/optim';
import { assertClose, loadFixture } from '../helpers';

interface ScheduleCase<C> {
  config: C;
  /** Learning rate at steps 0..totalSteps. */
  lrs: number[];
}

const fixture = loadFixture<{ warmupCosine: ScheduleCase<WarmupCosineConfig>[]; cosine: ScheduleCase<CosineConfig>[] }>('optim');

describe('optim/schedule', () => {
  describe('warmupCosine', () => {
    fixture.warmupCosine.forEach((c) => {
      it(`matches Barlow Twins' adjust_learning_rate for ${JSON.stringify(c.config)}`, () => {
        const lrAt = warmupCosine(c.config);
        assertClose(c.lrs.map((_, s) => lrAt(s)), c.lrs, { rtol: 1e-12, atol: 1e-15, what: 'lr' });
      });
    });

    it('warms up linearly from 0 to baseLr and ends at finalLrFraction * baseLr', () => {
      const lrAt = warmupCosine({ baseLr: 0.4, warmupSteps: 4, totalSteps: 10 });
      assertClose([lrAt(0), lrAt(2), lrAt(4), lrAt(10)], [0, 0.2, 0.4, 0.4 * 0.001], { rtol: 1e-12, atol: 0 });
    });

    it('rejects bad configurations and steps', () => {
      assert.throws(() => warmupCosine({ baseLr: -1, warmupSteps: 0, totalSteps: 5 }), /baseLr -1/);
      assert.throws(() => warmupCosine({ baseLr: 1, warmupSteps: 1.5, totalSteps: 5 }), /warmupSteps 1.5/);
      assert.throws(() => warmupCosine({ baseLr: 1, warmupSteps: 5, totalSteps: 5 }), /totalSteps 5 must exceed warmupSteps 5/);
      assert.throws(() => warmupCosine({ baseLr: 1, warmupSteps: 0, totalSteps: 5, finalLrFraction: 2 }), /finalLrFraction 2/);
      const lrAt = warmupCosine({ baseLr: 1, warmupSteps: 1, totalSteps: 5 });
      assert.throws(() => lrAt(6), /step 6 is not an integer in \[0, 5\]/);
      assert.throws(() => lrAt(-1), /step -1/);
      assert.throws(() => lrAt(0.5), /step 0.5/);
    });
  });

  describe('cosine', () => {
    fixture.cosine.forEach((c) => {
      it(`matches torch's CosineAnnealingLR for ${JSON.stringify(c.config)}`, () => {
        const lrAt = cosine(c.config);
        assertClose(c.lrs.map((_, s) => lrAt(s)), c.lrs, { rtol: 1e-10, atol: 1e-15, what: 'lr' });
      });
    });

    it('rejects bad configurations and steps', () => {
      assert.throws(() => cosine({ baseLr: 0.1, totalSteps: 0 }), /totalSteps 0 is not an integer >= 1/);
      assert.throws(() => cosine({ baseLr: Infinity, totalSteps: 3 }), /baseLr Infinity/);
      assert.throws(() => cosine({ baseLr: 0.1, totalSteps: 3 })(4), /step 4/);
    });
  });

  describe('linearScaledLr', () => {
    it('scales by batch / 256', () => {
      assert.strictEqual(linearScaledLr(0.2, 2048), 1.6);
      assert.strictEqual(linearScaledLr(0.0048, 256), 0.0048);
      assertClose(linearScaledLr(0.2, 128), 0.1, { rtol: 1e-15, atol: 0 });
    });

    it('rejects bad arguments', () => {
      assert.throws(() => linearScaledLr(0.2, 0), /batchSize 0/);
      assert.throws(() => linearScaledLr(0.2, 12.5), /batchSize 12.5/);
      assert.throws(() => linearScaledLr(-0.2, 256), /base -0.2/);
    });
  });
});
