import { ExperimentPreset, Scale } from '../preset';
import type { Claim, RunRef } from '../claims';
import { scaleSettings } from '../scales';
import { cbe, makePreset, run, runConfig } from '../run-recipe';

/** CbE filter sizes of Fig. 12: the paper's 1x1, the authors' script default 3x3, and a larger 5x5 (the paper says "larger"). */
export const CBE_FILTER_SIZES = [1, 3, 5];

/** Fig. 12: the filter size of the conv-based expansion, simultaneous training without noise. */
export function fig12(scale: Scale): ExperimentPreset {
  const s = scaleSettings(scale);
  return makePreset(s, 'fig12', {
    title: 'Fig. 12: CbE filter size',
    finding: 'Larger expansion filters significantly hurt the final block (numbers shown only as a plot).',
    runs: CBE_FILTER_SIZES.map((k) => run(`cbe-${k}x${k}`, `${k}x${k} CbE + GSP`, runConfig(s, { method: 'simultaneous', head: cbe(s, { kernelSize: k }) }))),
  });
}

const ref = (run: string): RunRef => ({ figure: 'fig12', run });

/** The paper's claims that Fig. 12 tests, with the paper's numbers (see `checkClaims`). */
export const FIG12_CLAIMS: readonly Claim[] = [
  {
    id: 'larger-cbe-filters-hurt',
    statement: 'Larger CbE filters hurt the final block: a 1x1 expansion beats a 5x5 one at block 4',
    paper: 'significantly lower at block 4 (Fig. 12, plot only)',
    test: { kind: 'better', a: ref('cbe-1x1'), b: ref('cbe-5x5'), block: 4 },
  },
];
